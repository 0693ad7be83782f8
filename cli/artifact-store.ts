/**
 * `npx artifact-store <command>`: drive the artifact store by hand, locally or against a deployment.
 *
 *   publish <file>   publish a store request (or a bare artifact with --type and --tenant)
 *   get <id>         print an artifact (--inline puts the images back)
 *   list             list the tenant's artifacts (--type, --execution, --session, --limit, --cursor)
 *   visual <id> <name> -o <file>   save one visual's bytes
 *   delete <id>      delete an artifact
 *   token            print a JWT for a tenant, signed with SUPABASE_JWT_SECRET (local default)
 *   reconcile        repair drift between the bucket and the rows (cli/reconcile.ts)
 *   quarantine       list, show and replay what the store refused (cli/quarantine.ts)
 *
 * Environment: ARTIFACTS_API_URL, ARTIFACT_STORE_TOKEN (else a token is minted for --tenant with
 * SUPABASE_JWT_SECRET), GOOGLE_CLOUD_PROJECT, ARTIFACT_STORE_TOPIC, PUBSUB_EMULATOR_HOST, STORE_FUNCTION_URL,
 * ARTIFACT_STORE_TRANSPORT (pubsub | push), ARTIFACT_BUCKET and GCS_API_ENDPOINT (staging of large payloads).
 * Unset values default to the local stack's (local/defaults.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL } from '../local/defaults';
import { LOCAL_JWT_SECRET, mintJwt } from '../local/tokens';
import { GcsBlobStore } from '../shared/adapters/gcs-blob-store';
import type { StoreRequestInput } from '../shared/domain/store-request';
import { publishArtifact } from '../shared/producer/publish';
import { type PublishTransport, PubSubTransport, PushTransport } from '../shared/producer/publish-transport';
import { quarantineCommand } from './quarantine';
import { reconcileCommand } from './reconcile';

const USAGE = `usage: artifact-store <command> [options]

  publish <file> [--type T --tenant X] [--persist] [--retention-days N] [--id UUID] [--key K]
  get <id> [--inline] [--tenant X]
  list [--type T] [--execution E] [--session S] [--limit N] [--cursor C] [--tenant X]
  visual <id> <name> --out <file> [--tenant X]
  delete <id> [--tenant X]
  token --tenant X [--service-role] [--ttl 1h]
  reconcile [--tenant T] [--type T] [--dry-run] [--grace-minutes N] [--verbose]
  quarantine list [--day YYYY-MM-DD] [--code C] [--replayed]
  quarantine show <path>...
  quarantine replay <path>... | --code C [--day YYYY-MM-DD]
`;

const env = process.env;
const apiUrl = () =>
  (env.ARTIFACTS_API_URL ?? `http://${LOCAL.host}:${LOCAL.ports.artifactsApi}`).replace(/\/$/, '');

type Options = Record<string, string | boolean | undefined>;

async function tokenFor(options: Options): Promise<string> {
  if (env.ARTIFACT_STORE_TOKEN) return env.ARTIFACT_STORE_TOKEN;
  const tenant = typeof options.tenant === 'string' ? options.tenant : 'tenant-demo';
  return mintJwt(
    { sub: 'artifact-store-cli', role: 'authenticated', app_metadata: { tenant_id: tenant } },
    env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET,
    { expiresIn: '10m' },
  );
}

async function call(method: string, path: string, options: Options): Promise<Response> {
  return fetch(`${apiUrl()}${path}`, {
    method,
    headers: { authorization: `Bearer ${await tokenFor(options)}` },
  });
}

async function printResponse(res: Response): Promise<void> {
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`${res.status} ${text}\n`);
    process.exitCode = 1;
    return;
  }
  if (text) process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
}

function transport(): PublishTransport {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? LOCAL.projectId;
  const topic = env.ARTIFACT_STORE_TOPIC ?? LOCAL.topic;
  const mode = env.ARTIFACT_STORE_TRANSPORT ?? (env.PUBSUB_EMULATOR_HOST ? 'pubsub' : 'push');
  if (mode === 'pubsub') return new PubSubTransport({ projectId, topic });
  const url = env.STORE_FUNCTION_URL ?? `http://${LOCAL.host}:${LOCAL.ports.storeArtifact}`;
  return new PushTransport({ url, projectId, topic });
}

async function publish(file: string, options: Options): Promise<void> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const isRequest =
    typeof parsed.artifact_type === 'string' && ('artifact' in parsed || 'artifact_ref' in parsed);
  const request = (
    isRequest ? { ...parsed } : { artifact_type: options.type, tenant_id: options.tenant, artifact: parsed }
  ) as StoreRequestInput;
  if (typeof options.tenant === 'string') request.tenant_id = options.tenant;
  if (typeof options.id === 'string') request.artifact_id = options.id;
  if (typeof options.key === 'string') request.idempotency_key = options.key;
  if (options.persist || options['retention-days']) {
    request.materialization = {
      mode: 'persist',
      ...(typeof options['retention-days'] === 'string'
        ? { retention_days: Number(options['retention-days']) }
        : {}),
      reason: 'published with the artifact-store CLI',
    };
  }
  const t = transport();
  try {
    const blobs = new GcsBlobStore({
      bucket: env.ARTIFACT_BUCKET ?? LOCAL.bucket,
      apiEndpoint:
        env.GCS_API_ENDPOINT ??
        (env.ARTIFACT_STORE_TRANSPORT === 'pubsub' ? undefined : `http://${LOCAL.host}:${LOCAL.ports.gcs}`),
    });
    const result = await publishArtifact(request, { transport: t, blobs });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await t.close?.();
  }
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      tenant: { type: 'string' },
      persist: { type: 'boolean' },
      'retention-days': { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      inline: { type: 'boolean' },
      execution: { type: 'string' },
      session: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'service-role': { type: 'boolean' },
      ttl: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'grace-minutes': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      day: { type: 'string' },
      code: { type: 'string' },
      replayed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  const need = (i: number, what: string) => {
    const v = args[i];
    if (!v) throw new Error(`${command} needs ${what}\n\n${USAGE}`);
    return encodeURIComponent(v);
  };
  switch (values.help ? 'help' : command) {
    case 'publish':
      return publish(decodeURIComponent(need(0, 'a file')), values);
    case 'get':
      return printResponse(
        await call(
          'GET',
          `/api/artifacts/${need(0, 'an artifact id')}${values.inline ? '?visuals=inline' : ''}`,
          values,
        ),
      );
    case 'list': {
      const q = new URLSearchParams();
      if (values.type) q.set('artifact_type', values.type);
      if (values.execution) q.set('execution_id', values.execution);
      if (values.session) q.set('session_id', values.session);
      if (values.limit) q.set('limit', values.limit);
      if (values.cursor) q.set('cursor', values.cursor);
      return printResponse(await call('GET', `/api/artifacts${q.size ? `?${q}` : ''}`, values));
    }
    case 'visual': {
      const res = await call(
        'GET',
        `/api/artifacts/${need(0, 'an artifact id')}/visuals/${need(1, 'a visual name')}`,
        values,
      );
      if (!res.ok || !values.out) return printResponse(res);
      writeFileSync(values.out, Buffer.from(await res.arrayBuffer()));
      process.stdout.write(
        `${values.out}: ${res.headers.get('content-type')}, ${res.headers.get('content-length')} bytes\n`,
      );
      return;
    }
    case 'delete': {
      const res = await call('DELETE', `/api/artifacts/${need(0, 'an artifact id')}`, values);
      if (res.status === 204) process.stdout.write('deleted\n');
      else await printResponse(res);
      return;
    }
    case 'token': {
      if (!values.tenant && !values['service-role']) throw new Error(`token needs --tenant\n\n${USAGE}`);
      const claims = values['service-role']
        ? { role: 'service_role', iss: 'artifact-store-cli' }
        : { sub: 'artifact-store-cli', role: 'authenticated', app_metadata: { tenant_id: values.tenant } };
      process.stdout.write(
        `${await mintJwt(claims, env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET, { expiresIn: values.ttl ?? '1h' })}\n`,
      );
      return;
    }
    case 'reconcile':
      return reconcileCommand({
        tenant: values.tenant,
        type: values.type,
        dryRun: values['dry-run'],
        graceMinutes: values['grace-minutes'],
        verbose: values.verbose,
      });
    case 'quarantine':
      return quarantineCommand(args[0], args.slice(1), values, transport);
    default:
      process.stdout.write(USAGE);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`artifact-store: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
