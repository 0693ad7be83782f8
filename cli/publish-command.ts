/**
 * `artifact-store publish <file>`: a store request, or a bare artifact with --type and --tenant. Before
 * publishing it checks the type (unknown: a warning naming the nearest known type; an error with
 * --strict-type) and, against the local stack, whether the policy will keep it (a warning suggesting
 * --persist). Warnings go to stderr; the result ({artifact_id, message_id}) to stdout.
 */
import { readFileSync } from 'node:fs';
import { LOCAL } from '../local/defaults';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import type { StoreRequestInput } from '../shared/domain/store-request';
import { publishArtifact } from '../shared/producer/publish';
import { type PublishTransport, PubSubTransport, PushTransport } from '../shared/producer/publish-transport';
import { env, type Options, storeUrl, str, targetsLocalStack, transportMode } from './options';
import { localPolicyWarning } from './policy-check';
import { withProgress } from './progress';
import { unknownTypeMessage } from './type-check';

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
  if (!request.artifact_type) throw new Error('a bare artifact needs --type (and --tenant)');
  if (!request.tenant_id) throw new Error('a bare artifact needs --tenant');
  return request;
}

export async function publishCommand(file: string, options: Options): Promise<void> {
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
    const result = await withProgress(`publishing via ${via}`, () =>
      publishArtifact(request, { transport: t, blobs }),
    );
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await t.close?.();
  }
}
