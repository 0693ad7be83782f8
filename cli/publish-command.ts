/**
 * `artifact-store publish <file>`: a store request, or a bare artifact with --type and --tenant. Before
 * publishing it checks the type (unknown: a warning naming the nearest known type; an error with
 * --strict-type) and, against the local stack, whether the policy will keep it (a warning suggesting
 * --persist). Warnings go to stderr; the result ({artifact_id, message_id}) to stdout.
 *
 * --revise N|latest sets `expected_version`, --alias A (repeatable) `aliases`, --derived-from ID[@N] (repeatable)
 * `derived_from` (the parent's latest version when N is left out). --wait [--timeout S] then polls
 * the API's status route and adds the `outcome` to the result: exit code 0 when stored, 3 when refused
 * (rejected, or the id is deleted), 4 when no outcome came within the timeout (default 60 s).
 */
import { readFileSync } from 'node:fs';
import { LOCAL } from '../local/defaults';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import type { StoreRequestInput } from '../shared/domain/store-request';
import { publishArtifact } from '../shared/producer/publish';
import { type PublishTransport, PubSubTransport, PushTransport } from '../shared/producer/publish-transport';
import type { PublishOutcome } from '../shared/producer/wait-status';
import { tokenFor } from './api-client';
import {
  apiUrl,
  env,
  type Options,
  storeUrl,
  str,
  strings,
  targetsLocalStack,
  transportMode,
} from './options';
import { localPolicyWarning } from './policy-check';
import { withProgress } from './progress';
import { unknownTypeMessage } from './type-check';
import { UsageError } from './usage-error';

/** Exit codes of `publish --wait` (also in the usage and the README). */
export const EXIT_REFUSED = 3;
export const EXIT_NO_OUTCOME = 4;
const DEFAULT_TIMEOUT_SECONDS = 60;

const warn = (line: string) => process.stderr.write(`artifact-store: warning: ${line}\n`);

export function transport(): { transport: PublishTransport; via: string } {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? LOCAL.projectId;
  const topic = env.ARTIFACT_STORE_TOPIC ?? LOCAL.topic;
  if (transportMode() === 'pubsub') {
    const via = env.PUBSUB_EMULATOR_HOST ? `the Pub/Sub emulator ${env.PUBSUB_EMULATOR_HOST}` : 'Pub/Sub';
    return { transport: new PubSubTransport({ projectId, topic }), via: `${via}, topic ${topic}` };
  }
  const url = storeUrl();
  // Three attempts (0.6 s) rather than Pub/Sub-like patience: a person is waiting.
  return { transport: new PushTransport({ url, projectId, topic, attempts: 3 }), via: url };
}

/** The request the file (and the options) describe. */
export function requestFrom(file: string, options: Options): StoreRequestInput {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const isRequest =
    typeof parsed.artifact_type === 'string' && ('artifact' in parsed || 'artifact_ref' in parsed);
  const request = (
    isRequest
      ? { ...parsed }
      : { artifact_type: str(options, 'type'), tenant_id: str(options, 'tenant'), artifact: parsed }
  ) as StoreRequestInput;
  if (str(options, 'tenant')) request.tenant_id = str(options, 'tenant')!;
  if (str(options, 'id')) request.artifact_id = str(options, 'id');
  if (str(options, 'key')) request.idempotency_key = str(options, 'key');
  const retention = str(options, 'retention-days');
  if (options.persist || retention) {
    request.materialization = {
      mode: 'persist',
      ...(retention ? { retention_days: Number(retention) } : {}),
      reason: 'published with the artifact-store CLI',
    };
  }
  const revise = str(options, 'revise');
  if (revise !== undefined) {
    if (revise !== 'latest' && !/^[1-9][0-9]{0,6}$/.test(revise)) {
      throw new UsageError(`--revise takes a version number or latest, not ${revise}`);
    }
    request.expected_version = revise === 'latest' ? 'latest' : Number(revise);
  }
  const aliases = strings(options, 'alias');
  if (aliases.length) request.aliases = aliases;
  const parents = strings(options, 'derived-from');
  if (parents.length) request.derived_from = parents.map(parentOf);
  if (!request.artifact_type) throw new Error('a bare artifact needs --type (and --tenant)');
  if (!request.tenant_id) throw new Error('a bare artifact needs --tenant');
  return request;
}

/** `ID` or `ID@N`: a parent and, optionally, its version. */
function parentOf(value: string): { artifact_id: string; version?: number } {
  const match = /^([0-9a-fA-F-]{36})(?:@([1-9][0-9]{0,6}))?$/.exec(value);
  if (!match) throw new UsageError(`--derived-from takes an artifact id, optionally @version, not ${value}`);
  return { artifact_id: match[1]!.toLowerCase(), ...(match[2] ? { version: Number(match[2]) } : {}) };
}

export async function publishCommand(file: string, options: Options): Promise<void> {
  if (options.timeout !== undefined && !options.wait) throw new UsageError('--timeout goes with --wait');
  const seconds = options.wait ? timeoutSeconds(options) : 0;
  const request = requestFrom(file, options);
  const unknown = unknownTypeMessage(request.artifact_type);
  if (unknown && options['strict-type']) throw new Error(`${unknown} (--strict-type)`);
  if (unknown) warn(unknown);
  if (targetsLocalStack()) {
    const dropped = localPolicyWarning(request);
    if (dropped) warn(dropped);
  }
  const { transport: t, via } = transport();
  try {
    const blobs = new GcsBlobStore({
      bucket: env.ARTIFACT_BUCKET ?? LOCAL.bucket,
      apiEndpoint:
        env.GCS_API_ENDPOINT ??
        (transportMode() === 'pubsub' && !env.PUBSUB_EMULATOR_HOST
          ? undefined
          : `http://${LOCAL.host}:${LOCAL.ports.gcs}`),
    });
    const wait = options.wait
      ? {
          apiUrl: apiUrl(),
          token: await tokenFor(options, request.tenant_id),
          timeoutMs: seconds * 1000,
        }
      : undefined;
    const label = `publishing via ${via}${wait ? ', then waiting for the outcome' : ''}`;
    const result = await withProgress(label, () =>
      publishArtifact(request, { transport: t, blobs, ...(wait ? { wait } : {}) }),
    );
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.outcome) reportOutcome(result.outcome, seconds);
  } finally {
    await t.close?.();
  }
}

function timeoutSeconds(options: Options): number {
  const given = str(options, 'timeout');
  if (given === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(given);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(given) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout takes seconds (more than 0, at most 3600), not ${given}`);
  }
  return seconds;
}

/** The outcome's exit code, with a line on stderr when it is not `stored`. */
function reportOutcome(outcome: PublishOutcome, seconds: number): void {
  const say = (line: string) => process.stderr.write(`artifact-store: ${line}\n`);
  switch (outcome.state) {
    case 'stored':
      return;
    case 'rejected':
      say(
        `rejected: ${outcome.error_code} (the request is in quarantine: quarantine list --code ${outcome.error_code})`,
      );
      process.exitCode = EXIT_REFUSED;
      return;
    case 'deleted':
      say('refused: this artifact id is deleted, and a deleted id is never stored again');
      process.exitCode = EXIT_REFUSED;
      return;
    default:
      say(
        `no outcome within ${seconds} s: not stored yet (the policy may not keep it, or it is still on its way; --timeout to wait longer)`,
      );
      process.exitCode = EXIT_NO_OUTCOME;
  }
}
