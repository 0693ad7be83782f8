// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions are ${...} strings.
/**
 * Offline checks of terraform/ against the code (no GCP project, no provider download):
 * - `terraform fmt -check`;
 * - every .tf parsed with @cdktf/hcl2json and compared with the code: each function's entry point is a
 *   function its bundle registers, with the signature type its trigger delivers; each function gets every
 *   variable its configuration schema requires (evaluated by terraform itself with example.tfvars, then
 *   validated by the schema and by loading the bundle with exactly that environment); topic, bucket and
 *   secret names agree across resources; every function has its own service account; the IAM bindings are
 *   exactly the reviewed set, none broader than needed; the reconcile schedule calls its function with the
 *   OIDC identity that alone may invoke it, with a body (evaluated by terraform) the function accepts; the
 *   events topic reaches exactly the publishing functions (their ARTIFACT_EVENTS_TOPIC, evaluated by terraform,
 *   is the URL they publish to) and only their accounts may publish on it;
 * - variables.tf's validations and the policy variable, evaluated by terraform with example.tfvars (a
 *   configuration of variables and outputs only needs no provider).
 * `terraform validate` needs the google provider and cannot run offline; docs/deploy.md lists what only a
 * real project can check.
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconcileHandler } from '../../functions/reconcileArtifacts/handler';
import {
  type BundleInfo,
  build,
  linkDependencies,
  listFunctions,
  probeFunction,
  ROOT,
} from '../../scripts/build';
import type { BlobStore } from '../../shared/adapters/blob-store';
import { PubSubRestPublisher } from '../../shared/adapters/event-publisher';
import type { MetadataStore } from '../../shared/adapters/metadata-store';
import { artifactEvent } from '../../shared/domain/artifact-events';
import { parsePolicy } from '../../shared/domain/materialization-policy';
import { SYNC_QUARANTINE_PREFIX } from '../../shared/domain/paths';
import {
  describeVariables,
  FUNCTION_CONFIGS,
  type FunctionName,
  loadConfig,
  PublisherConfig,
  ReconcileArtifactsConfig,
} from '../../shared/platform/config';
import type { Logger } from '../../shared/platform/log';

const TF_DIR = join(ROOT, 'terraform');

// biome-ignore lint/suspicious/noExplicitAny: hcl2json returns untyped JSON.
type Block = Record<string, any>;

interface Terraform {
  /** `type.name` → the block's attributes (first block of its list). */
  resources: Map<string, Block>;
  data: Map<string, Block>;
  variables: Map<string, Block>;
  outputs: Map<string, Block>;
  locals: Record<string, unknown>;
}

async function loadTerraform(dir: string): Promise<Terraform> {
  const tf: Terraform = {
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    locals: {},
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const json = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Block;
    for (const [kind, target] of [
      ['resource', tf.resources],
      ['data', tf.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Block)) {
        for (const [name, blocks] of Object.entries(byName as Block)) {
          const key = `${type}.${name}`;
          if (target.has(key)) throw new Error(`${kind} ${key} is declared twice`);
          target.set(key, (blocks as Block[])[0]!);
        }
      }
    }
    for (const [name, blocks] of Object.entries((json.variable ?? {}) as Block)) {
      tf.variables.set(name, (blocks as Block[])[0]!);
    }
    for (const [name, blocks] of Object.entries((json.output ?? {}) as Block)) {
      tf.outputs.set(name, (blocks as Block[])[0]!);
    }
    for (const block of (json.locals ?? []) as Block[]) Object.assign(tf.locals, block);
  }
  return tf;
}

/** First block of a nested block list (`build_config`, `service_config`, ...). */
function one(value: unknown): Block {
  if (!Array.isArray(value) || value.length !== 1) {
    throw new Error(`expected exactly one block, got ${JSON.stringify(value)}`);
  }
  return value[0] as Block;
}

function many(value: unknown): Block[] {
  return Array.isArray(value) ? (value as Block[]) : [];
}

/** Does the expression reference `address` (e.g. `google_pubsub_topic.requests` or `var.topic_name`)? */
function refersTo(expression: unknown, address: string): boolean {
  const escaped = address.replace(/[.[\]"]/g, (c) => `\\${c}`);
  return typeof expression === 'string' && new RegExp(`\\$\\{[^}]*\\b${escaped}\\b`).test(expression);
}

/** The name of the `type` resource an expression references (`${google_service_account.api.email}` → `api`). */
function referenced(expression: unknown, type: string): string | undefined {
  if (typeof expression !== 'string') return undefined;
  return new RegExp(`\\b${type}\\.([A-Za-z0-9_-]+)`).exec(expression)?.[1];
}

function terraform(args: string[], cwd: string) {
  const run = spawnSync('terraform', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1' },
  });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'terraform is not on the PATH. The offline infrastructure checks need it (fmt, variable validation): install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install).',
    );
  }
  return run;
}

/** The deployed functions: entry point, resource address, and the blocks the checks read. */
interface DeployedFunction {
  address: string;
  entryPoint: string;
  block: Block;
  build: Block;
  service: Block;
  trigger: Block | undefined;
  env: Record<string, string>;
  secrets: Block[];
}

function deployedFunctions(tf: Terraform): DeployedFunction[] {
  return [...tf.resources]
    .filter(([address]) => address.startsWith('google_cloudfunctions2_function.'))
    .map(([address, block]) => {
      const service = one(block.service_config);
      return {
        address,
        entryPoint: one(block.build_config).entry_point as string,
        block,
        build: one(block.build_config),
        service,
        trigger: block.event_trigger ? one(block.event_trigger) : undefined,
        env: (service.environment_variables ?? {}) as Record<string, string>,
        secrets: many(service.secret_environment_variables),
      };
    });
}

const tf = await loadTerraform(TF_DIR);
const functions = deployedFunctions(tf);
const exampleVars = (await parse(
  'example.tfvars',
  readFileSync(join(TF_DIR, 'example.tfvars'), 'utf8'),
)) as Block;

/** The functions that publish events (docs/design.md, "Events"): the only ones that read ARTIFACT_EVENTS_TOPIC. */
const PUBLISHERS = [
  'storeArtifact',
  'syncArtifactMetadata',
  'artifactsApi',
  'reconcileArtifacts',
] as const satisfies FunctionName[];

function resource(address: string): Block {
  const block = tf.resources.get(address);
  expect(block, `terraform declares ${address}`).toBeDefined();
  return block!;
}

/** The service account (resource name) an expression such as `${google_service_account.api.email}` names. */
function serviceAccountOf(expression: unknown): string {
  const name = referenced(expression, 'google_service_account');
  expect(name, `${String(expression)} names a google_service_account of this configuration`).toBeDefined();
  return name!;
}

/**
 * The checks that run the terraform binary. It is installed on the team's machines and in CI, where its
 * absence fails the run; on a laptop without it they are skipped, saying so (the HCL checks below still run).
 */
const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
const withTerraform = describe.skipIf(!hasTerraform && !process.env.CI);
if (!hasTerraform && !process.env.CI) {
  console.warn('terraform is not installed: skipping fmt and variable evaluation (they run in CI)');
}

withTerraform('terraform fmt', () => {
  it('terraform/ is formatted (terraform fmt -check -recursive)', () => {
    const run = terraform(['fmt', '-check', '-recursive', '-diff', TF_DIR], ROOT);
    expect(
      run.status,
      `terraform fmt -check failed; run terraform fmt -recursive terraform\n${run.stdout}`,
    ).toBe(0);
  });
});

withTerraform('variables and example.tfvars', () => {
  let scratch: string;
  let outputs: Record<string, { value: unknown }>;

  /**
   * A module of variables.tf plus outputs copied from the configuration's expressions (environment maps and
   * the locals they use), with the few resource attributes they read replaced by the variables those
   * resources are named from. Terraform evaluates it with no provider; `apply` on an empty state only
   * computes outputs.
   */
  function writeEvaluationModule(dir: string): void {
    mkdirSync(join(dir, 'terraform'), { recursive: true });
    // path.module/../shared must resolve as in the repository.
    symlinkSync(join(ROOT, 'shared'), join(dir, 'shared'), 'dir');
    writeFileSync(join(dir, 'terraform', 'variables.tf'), readFileSync(join(TF_DIR, 'variables.tf')));
    expect(resource('google_storage_bucket.artifacts').name).toBe('${var.bucket_name}');
    expect(resource('google_pubsub_topic.events').name).toBe('${var.events_topic_name}');
    // A topic's id is its full resource name, projects/{project}/topics/{name} (the provider's documented format).
    const substitute = (expression: string) =>
      expression
        .replace(/\bgoogle_storage_bucket\.artifacts\.name\b/g, 'var.bucket_name')
        .replace(
          /\bgoogle_pubsub_topic\.events\.id\b/g,
          'format("projects/%s/topics/%s", var.project_id, var.events_topic_name)',
        );
    const secretValue = (secret: Block) => {
      const name = referenced(secret.secret, 'google_secret_manager_secret')!;
      return resource(`google_secret_manager_secret_version.${name}`).secret_data as string;
    };
    const output: Record<string, Block> = {};
    const locals: Record<string, string> = {};
    for (const fn of functions) {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(fn.env)) env[key] = substitute(value);
      for (const secret of fn.secrets) env[secret.key] = secretValue(secret);
      output[`env_${fn.address.split('.')[1]}`] = { value: env, sensitive: true };
      for (const value of Object.values(env)) {
        for (const [, local] of value.matchAll(/\blocal\.([A-Za-z0-9_]+)/g)) {
          const expression = tf.locals[local!];
          expect(typeof expression, `local.${local} is a string expression`).toBe('string');
          expect(expression as string, `local.${local} can be evaluated without resources`).not.toMatch(
            /\b(google_|data\.)/,
          );
          locals[local!] = expression as string;
        }
      }
    }
    // The body Cloud Scheduler sends the reconcile function (the provider takes it base64-encoded).
    const body = one(resource('google_cloud_scheduler_job.reconcile').http_target).body as string;
    const bodyExpression = /^\$\{(.*)\}$/.exec(body)?.[1];
    expect(bodyExpression, 'the scheduler body is one expression').toBeDefined();
    expect(bodyExpression, 'the scheduler body can be evaluated without resources').not.toMatch(
      /\b(google_|data\.|var\.|local\.)/,
    );
    output.reconcile_body = { value: `\${base64decode(${bodyExpression})}` };
    writeFileSync(join(dir, 'terraform', 'evaluate.tf.json'), JSON.stringify({ locals, output }, null, 2));
  }

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'artifact-store-tf-'));
    writeEvaluationModule(scratch);
    const module = join(scratch, 'terraform');
    const state = join(scratch, 'example.tfstate');
    const apply = terraform(
      [
        'apply',
        '-auto-approve',
        '-input=false',
        '-lock=false',
        '-no-color',
        `-state=${state}`,
        `-var-file=${join(TF_DIR, 'example.tfvars')}`,
      ],
      module,
    );
    expect(apply.status, `terraform rejected example.tfvars:\n${apply.stderr}${apply.stdout}`).toBe(0);
    const read = terraform(['output', '-json', '-no-color', `-state=${state}`], module);
    expect(read.status, read.stderr).toBe(0);
    outputs = JSON.parse(read.stdout);
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('every variable has a description and a type', () => {
    for (const [name, v] of tf.variables) {
      expect(v.description, `variable ${name} has a description`).toMatch(/\S{3}/);
      expect(v.type, `variable ${name} has a type`).toBeDefined();
    }
  });

  it('example.tfvars sets every variable without a default, and only declared variables', () => {
    const required = [...tf.variables].filter(([, v]) => !('default' in v)).map(([name]) => name);
    expect(required.sort()).toEqual(
      expect.arrayContaining([
        'bucket_name',
        'project_id',
        'supabase_jwt_secret',
        'supabase_service_role_key',
        'supabase_url',
      ]),
    );
    for (const name of required) expect(exampleVars, `example.tfvars sets ${name}`).toHaveProperty(name);
    for (const name of Object.keys(exampleVars)) {
      expect(tf.variables.has(name), `example.tfvars sets ${name}, which variables.tf declares`).toBe(true);
    }
  });

  it.each([
    ['project_id', 'ab'],
    ['bucket_name', 'my-google-artifacts'],
    ['name_prefix', 'a-prefix-much-too-long-for-ids'],
    ['topic_name', 'goog-requests'],
    ['events_topic_name', 'goog-events'],
    ['events_topic_name', '9-events'],
    ['store_timeout_seconds', '900'],
    ['max_delivery_attempts', '3'],
    ['supabase_url', 'http://insecure.example.com'],
    ['cors_origins', '["https://app.example.com/path"]'],
    ['cors_origins', '["*"]'],
    ['materialization_policy', '{ version = 2, default = { mode = "persist" } }'],
    ['reconcile_grace_minutes', '5'],
    ['reconcile_grace_minutes', '60.5'],
    ['reconcile_schedule', 'every hour'],
    ['reconcile_time_zone', 'UTC+2'],
  ])('variables.tf rejects %s = %s', (name, value) => {
    const run = terraform(
      [
        'plan',
        '-input=false',
        '-lock=false',
        '-no-color',
        `-var-file=${join(TF_DIR, 'example.tfvars')}`,
        `-var=${name}=${value}`,
      ],
      join(scratch, 'terraform'),
    );
    expect(run.status, run.stdout).not.toBe(0);
    expect(run.stderr).toMatch(/Invalid value for variable/);
    expect(run.stderr).toContain(`var.${name}`);
  });

  it('the policy variable defaults to the shipped shared/domain/default-materialization-policy.json', () => {
    const run = terraform(
      [
        'apply',
        '-auto-approve',
        '-input=false',
        '-lock=false',
        '-no-color',
        `-state=${join(scratch, 'default.tfstate')}`,
        `-var-file=${join(TF_DIR, 'example.tfvars')}`,
        '-var=materialization_policy=null',
      ],
      join(scratch, 'terraform'),
    );
    expect(run.status, run.stderr).toBe(0);
    const read = terraform(
      ['output', '-json', `-state=${join(scratch, 'default.tfstate')}`],
      join(scratch, 'terraform'),
    );
    const env = (JSON.parse(read.stdout) as Record<string, { value: Record<string, string> }>).env_store!
      .value;
    const shipped = JSON.parse(
      readFileSync(join(ROOT, 'shared', 'domain', 'default-materialization-policy.json'), 'utf8'),
    );
    expect(JSON.parse(env.MATERIALIZATION_POLICY!)).toEqual(shipped);
  });

  it("example.tfvars's policy is one the store function accepts", () => {
    const env = (outputs.env_store!.value ?? {}) as Record<string, string>;
    const policy = parsePolicy(JSON.parse(env.MATERIALIZATION_POLICY!), 'example.tfvars');
    expect(policy.rules[0]).toMatchObject({ mode: 'persist', retention_days: 90 });
  });

  describe('each function with the environment terraform gives it (example.tfvars)', () => {
    let bundles: Map<string, BundleInfo>;
    let outDir: string;

    beforeAll(async () => {
      // Outside the repository, with only what the lockfile installs: as Cloud Build would deploy it.
      outDir = mkdtempSync(join(tmpdir(), 'artifact-store-tf-bundles-'));
      const built = await build({ outDir, log: () => {} });
      for (const b of built) linkDependencies(b.dir);
      bundles = new Map(built.map((b) => [b.name, b]));
    });

    afterAll(() => rmSync(outDir, { recursive: true, force: true }));

    it('every function folder is deployed, and every deployed entry point is a function folder', () => {
      const local = (tf.locals.bundles as string).match(/"([A-Za-z0-9_]+)"/g)!.map((s) => s.slice(1, -1));
      expect(local.sort()).toEqual(listFunctions().sort());
      expect([...new Set(functions.map((f) => f.entryPoint))].sort()).toEqual(listFunctions().sort());
      expect(Object.keys(FUNCTION_CONFIGS).sort()).toEqual(listFunctions().sort());
    });

    it.each(functions.map((f) => [f.address, f] as const))(
      '%s: its entry point is registered by its bundle with the signature type its trigger delivers',
      (address, fn) => {
        expect(fn.build.runtime, `${address} runs on nodejs22`).toBe('nodejs22');
        const source = one(one(fn.build.source).storage_source);
        expect(source.object, `${address} deploys the archive of its own bundle`).toBe(
          `\${google_storage_bucket_object.function_source["${fn.entryPoint}"].name}`,
        );
        // Event triggers and the Pub/Sub push (which the framework converts) deliver CloudEvents.
        const pushed = [...tf.resources].some(
          ([a, r]) =>
            a.startsWith('google_pubsub_subscription.') &&
            r.push_config &&
            refersTo(one(r.push_config).push_endpoint, address.replace(/\[.*$/, '')),
        );
        const expected = fn.trigger || pushed ? 'cloudevent' : 'http';
        const env = outputs[`env_${address.split('.')[1]}`]!.value as Record<string, string>;
        const probe = probeFunction(bundles.get(fn.entryPoint)!.dir, fn.entryPoint, { env });
        expect(probe.declarative, `${fn.entryPoint} registers itself\n${probe.stderr}`).toBe(true);
        expect(probe.signatureType).toBe(expected);
      },
    );

    it.each(functions.map((f) => [f.address, f] as const))(
      '%s: every variable its configuration requires is set, and every variable set is one it reads',
      (address, fn) => {
        const schema = FUNCTION_CONFIGS[fn.entryPoint as FunctionName];
        expect(schema, `${fn.entryPoint} has a configuration schema`).toBeDefined();
        const { required, optional } = describeVariables(schema);
        const set = [...Object.keys(fn.env), ...fn.secrets.map((s) => s.key as string)];
        for (const name of required) expect(set, `${address} sets ${name}`).toContain(name);
        for (const name of set)
          expect([...required, ...optional], `${address} sets ${name}, which it reads`).toContain(name);
        expect(new Set(set).size, `${address} sets no variable twice`).toBe(set.length);
        const env = outputs[`env_${address.split('.')[1]}`]!.value as Record<string, string>;
        expect(() => loadConfig(schema, env, address)).not.toThrow();
      },
    );

    it('the API gets its auth and URL settings; the store gets the policy', () => {
      const api = functions.find((f) => f.entryPoint === 'artifactsApi')!;
      expect(api.env.VISUAL_URL_MODE).toBe('signed');
      expect(refersTo(api.env.TENANT_CLAIM, 'var.tenant_claim')).toBe(true);
      expect(refersTo(api.env.CORS_ORIGINS, 'var.cors_origins')).toBe(true);
      expect(api.secrets.map((s) => s.key).sort()).toEqual([
        'SUPABASE_JWT_SECRET',
        'SUPABASE_SERVICE_ROLE_KEY',
      ]);
      const store = functions.find((f) => f.entryPoint === 'storeArtifact')!;
      expect(refersTo(store.env.MATERIALIZATION_POLICY, 'local.materialization_policy_json')).toBe(true);
      for (const fn of functions) {
        const secrets = fn.secrets.map((s) => s.key).sort();
        expect(secrets, `${fn.address}: only the API reads the JWT secret`).toEqual(
          fn.entryPoint === 'artifactsApi'
            ? ['SUPABASE_JWT_SECRET', 'SUPABASE_SERVICE_ROLE_KEY']
            : ['SUPABASE_SERVICE_ROLE_KEY'],
        );
        expect(refersTo(fn.env.GOOGLE_CLOUD_PROJECT, 'var.project_id'), fn.address).toBe(true);
        expect(refersTo(fn.env.SUPABASE_URL, 'var.supabase_url'), fn.address).toBe(true);
      }
    });

    it("reconcile gets the grace period; terraform's default is the code's", () => {
      const reconcile = functions.find((f) => f.entryPoint === 'reconcileArtifacts')!;
      expect(Object.keys(reconcile.env).sort()).toEqual([
        'ARTIFACT_BUCKET',
        'ARTIFACT_EVENTS_TOPIC',
        'GOOGLE_CLOUD_PROJECT',
        'RECONCILE_GRACE_MINUTES',
        'SUPABASE_URL',
      ]);
      expect(reconcile.env.RECONCILE_GRACE_MINUTES).toBe('${tostring(var.reconcile_grace_minutes)}');
      const codeDefault = ReconcileArtifactsConfig.shape.RECONCILE_GRACE_MINUTES.parse(undefined);
      expect(tf.variables.get('reconcile_grace_minutes')!.default).toBe(codeDefault);
      const env = outputs.env_reconcile!.value as Record<string, string>;
      expect(env.RECONCILE_GRACE_MINUTES, 'example.tfvars keeps the default').toBe(String(codeDefault));
      expect(loadConfig(ReconcileArtifactsConfig, env).RECONCILE_GRACE_MINUTES).toBe(codeDefault);
    });

    it.each(PUBLISHERS)(
      '%s publishes its events to the events topic with the environment terraform gives it',
      async (entryPoint) => {
        const fn = functions.find((f) => f.entryPoint === entryPoint)!;
        const env = outputs[`env_${fn.address.split('.')[1]}`]!.value as Record<string, string>;
        expect(env.ARTIFACT_EVENTS_TOPIC).toBe(
          `projects/${exampleVars.project_id}/topics/artifact-store-events`,
        );
        const config = loadConfig(FUNCTION_CONFIGS[entryPoint], env, fn.address);
        expect(config.ARTIFACT_EVENTS_TOPIC).toBe(env.ARTIFACT_EVENTS_TOPIC);
        // The request the function would make (shared/adapters/stores.ts builds the publisher the same way).
        const requests: { url: string; auth: string | null }[] = [];
        const publisher = new PubSubRestPublisher({
          projectId: config.GOOGLE_CLOUD_PROJECT ?? '',
          topic: config.ARTIFACT_EVENTS_TOPIC!,
          emulatorHost: config.PUBSUB_EMULATOR_HOST,
          accessToken: async () => 'token-of-the-runtime-account',
        });
        const realFetch = globalThis.fetch;
        globalThis.fetch = (async (url: string, init: RequestInit) => {
          requests.push({ url, auth: new Headers(init.headers).get('authorization') });
          return new Response('{"messageIds":["1"]}', { status: 200 });
        }) as typeof fetch;
        try {
          await publisher.publish(
            artifactEvent(
              { tenant_id: 't', artifact_id: '00000000-0000-4000-8000-000000000000', artifact_type: 'sop' },
              { event: 'artifact.deleted' },
            ),
          );
        } finally {
          globalThis.fetch = realFetch;
        }
        expect(requests).toEqual([
          {
            url: `https://pubsub.googleapis.com/v1/${env.ARTIFACT_EVENTS_TOPIC}:publish`,
            auth: 'Bearer token-of-the-runtime-account',
          },
        ]);
      },
    );
  });

  it('the body Cloud Scheduler sends is {} (JSON), which the reconcile function answers with a whole pass', async () => {
    const body = outputs.reconcile_body!.value as string;
    expect(JSON.parse(body)).toEqual({});
    const calls: string[] = [];
    const blobs = {
      list: async (prefix: string) => {
        calls.push(`list ${prefix}`);
        return { items: [] };
      },
    } as unknown as BlobStore;
    const metadata = {
      rowStates: async () => [],
      liveRows: async (filter: object) => {
        calls.push(`liveRows ${JSON.stringify(filter)}`);
        return [];
      },
    } as unknown as MetadataStore;
    const silent = { info: () => {}, error: () => {} } as unknown as Logger;
    const handler = createReconcileHandler({ blobs, metadata, graceMinutes: 60 }, silent);
    let status = 0;
    let answer: unknown;
    const res = {
      status(code: number) {
        status = code;
        return this;
      },
      set() {
        return this;
      },
      json(value: unknown) {
        answer = value;
        return this;
      },
    };
    await handler({ method: 'POST', body: JSON.parse(body) } as never, res as never);
    expect(status, JSON.stringify(answer)).toBe(200);
    expect(answer).toEqual({
      scanned: 0,
      recorded: 0,
      marked_deleted: 0,
      removed: 0,
      refused: 0,
      dry_run: false,
    });
    expect(calls, 'the whole bucket and every live row').toEqual(['list artifacts/', 'liveRows {}']);
  });
});

describe('names agree across resources', () => {
  it('the request topic: default name = the producer default, subscribed by the push subscription', () => {
    const topicDefault = PublisherConfig.shape.ARTIFACT_STORE_TOPIC.parse(undefined);
    expect(tf.variables.get('topic_name')!.default).toBe(topicDefault);
    expect(resource('google_pubsub_topic.requests').name).toBe('${var.topic_name}');
    const push = resource('google_pubsub_subscription.store_push');
    expect(refersTo(push.topic, 'google_pubsub_topic.requests')).toBe(true);
    // The framework takes the topic from the push URL path (docs/design.md, "Dependencies").
    expect(one(push.push_config).push_endpoint).toBe(
      '${google_cloudfunctions2_function.store.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.requests.name}',
    );
    expect(refersTo(tf.outputs.get('request_topic')!.value, 'google_pubsub_topic.requests')).toBe(true);
    expect(
      refersTo(tf.outputs.get('cli_environment')!.value.ARTIFACT_STORE_TOPIC, 'google_pubsub_topic.requests'),
    ).toBe(true);
  });

  it('the artifact bucket: every function, the storage triggers, the bindings and the outputs name the same one', () => {
    for (const fn of functions) {
      expect(fn.env.ARTIFACT_BUCKET, fn.address).toBe('${google_storage_bucket.artifacts.name}');
      if (fn.trigger) {
        const filters = many(fn.trigger.event_filters);
        expect(filters).toEqual([{ attribute: 'bucket', value: '${google_storage_bucket.artifacts.name}' }]);
      }
    }
    for (const [address, r] of tf.resources) {
      if (!address.startsWith('google_storage_bucket_iam_member.')) continue;
      const bucket = referenced(r.bucket, 'google_storage_bucket');
      expect(['artifacts', 'sources'], address).toContain(bucket);
    }
    expect(tf.outputs.get('artifact_bucket')!.value).toBe('${google_storage_bucket.artifacts.name}');
    expect(tf.outputs.get('api_url')!.value).toBe(
      '${google_cloudfunctions2_function.api.service_config[0].uri}',
    );
    const cli = tf.outputs.get('cli_environment')!.value as Block;
    expect(cli.ARTIFACT_BUCKET).toBe('${google_storage_bucket.artifacts.name}');
    expect(cli.ARTIFACTS_API_URL).toBe('${google_cloudfunctions2_function.api.service_config[0].uri}');
  });

  it('secrets: each secret variable names a secret, its pinned version, and an accessor grant for that function', () => {
    for (const fn of functions) {
      const sa = serviceAccountOf(fn.service.service_account_email);
      for (const secret of fn.secrets) {
        const name = referenced(secret.secret, 'google_secret_manager_secret');
        expect(secret.secret, `${fn.address} ${secret.key}`).toBe(
          `\${google_secret_manager_secret.${name}.secret_id}`,
        );
        expect(secret.version, `${fn.address} ${secret.key} is pinned to the version terraform created`).toBe(
          `\${google_secret_manager_secret_version.${name}.version}`,
        );
        expect(secret.project_id).toBe('${var.project_id}');
        const version = resource(`google_secret_manager_secret_version.${name}`);
        expect(version.secret).toBe(`\${google_secret_manager_secret.${name}.id}`);
        expect(
          one(version.lifecycle).create_before_destroy,
          'a new version exists before the old one goes',
        ).toBe(true);
        const grant = resource(`google_secret_manager_secret_iam_member.${name}`);
        expect(grant.secret_id).toBe(`\${google_secret_manager_secret.${name}.id}`);
        expect(grant.role).toBe('roles/secretmanager.secretAccessor');
        expect(Object.values(grant.for_each as Block), `${sa} may read ${name}`).toContain(
          `\${google_service_account.${sa}.member}`,
        );
      }
    }
    // Only the API reads the JWT secret.
    expect(Object.keys(resource('google_secret_manager_secret_iam_member.jwt_secret').for_each)).toEqual([
      'api',
    ]);
  });

  it('source archives are named by content hash and each function deploys its own', () => {
    const object = resource('google_storage_bucket_object.function_source');
    expect(object.for_each).toBe('${data.archive_file.function}');
    expect(object.name).toBe('${each.key}/${each.value.output_sha256}.zip');
    const archive = tf.data.get('archive_file.function')!;
    expect(archive.source_dir).toBe('${path.module}/../dist/functions/${each.key}');
    expect(archive.output_file_mode, 'file modes fixed, so the hash is the same on every machine').toBe(
      '0644',
    );
  });
});

describe('identities and roles', () => {
  const RUNTIME = {
    artifactsApi: 'api',
    reconcileArtifacts: 'reconcile',
    storeArtifact: 'store',
    syncArtifactMetadata: 'sync',
  } as const;
  const RUNTIME_ACCOUNT = /^sa:(api|store|sync|reconcile)( |$)/;

  it('every function has its own service account; triggers, pushes and builds use others', () => {
    const byEntryPoint = new Map<string, Set<string>>();
    for (const fn of functions) {
      const sa = serviceAccountOf(fn.service.service_account_email);
      byEntryPoint.set(fn.entryPoint, (byEntryPoint.get(fn.entryPoint) ?? new Set()).add(sa));
      expect(fn.build.service_account, `${fn.address} builds as the build account`).toBe(
        '${google_service_account.build.id}',
      );
      if (fn.trigger) {
        expect(serviceAccountOf(fn.trigger.service_account_email)).toBe('sync_trigger');
      }
    }
    for (const [entryPoint, accounts] of byEntryPoint) {
      expect([...accounts], `every deployment of ${entryPoint} runs as one account`).toEqual([
        RUNTIME[entryPoint as keyof typeof RUNTIME],
      ]);
    }
    const runtime = [...byEntryPoint.values()].map((s) => [...s][0]);
    expect(new Set(runtime).size, 'no two functions share an account').toBe(runtime.length);
    const push = one(one(resource('google_pubsub_subscription.store_push').push_config).oidc_token);
    expect(serviceAccountOf(push.service_account_email)).toBe('store_push');
    expect(push.audience).toBe('${google_cloudfunctions2_function.store.service_config[0].uri}');
    const accounts = [...tf.resources.keys()].filter((a) => a.startsWith('google_service_account.'));
    expect(accounts.sort()).toEqual(
      ['api', 'build', 'reconcile', 'reconcile_scheduler', 'store', 'store_push', 'sync', 'sync_trigger'].map(
        (n) => `google_service_account.${n}`,
      ),
    );
    const schedule = one(one(resource('google_cloud_scheduler_job.reconcile').http_target).oidc_token);
    expect(serviceAccountOf(schedule.service_account_email)).toBe('reconcile_scheduler');
  });

  /** Every IAM grant as `scope | role | member[ if]`, members and roles named by what they refer to. */
  function grants(): string[] {
    const out: string[] = [];
    const memberName = (m: string): string => {
      const sa = referenced(m, 'google_service_account');
      if (sa) return `sa:${sa}`;
      if (m === '${local.pubsub_service_agent}') return 'agent:pubsub';
      if (m === '${local.gcs_service_agent}') return 'agent:gcs';
      return m;
    };
    const roleName = (r: string) => {
      const custom = referenced(r, 'google_project_iam_custom_role');
      return custom ? `custom:${custom}` : r;
    };
    /** The resource of `type` a scope attribute names, directly or through `for_each` (`each.value.name`). */
    const target = (r: Block, expression: unknown, type: string) =>
      referenced(expression, type) ??
      (refersTo(expression, 'each.value') ? referenced(r.for_each, type) : undefined);
    for (const [address, r] of tf.resources) {
      const type = address.split('.')[0]!;
      expect(type, `${address}: authoritative IAM resources would remove grants made elsewhere`).not.toMatch(
        /_iam_(binding|policy)$/,
      );
      if (!type.endsWith('_iam_member')) continue;
      const scope =
        type === 'google_project_iam_member'
          ? 'project'
          : type === 'google_storage_bucket_iam_member'
            ? `bucket:${referenced(r.bucket, 'google_storage_bucket')}`
            : type === 'google_pubsub_topic_iam_member'
              ? `topic:${referenced(r.topic, 'google_pubsub_topic')}`
              : type === 'google_pubsub_subscription_iam_member'
                ? `subscription:${referenced(r.subscription, 'google_pubsub_subscription')}`
                : type === 'google_service_account_iam_member'
                  ? `serviceAccount:${referenced(r.service_account_id, 'google_service_account')}`
                  : type === 'google_cloud_run_service_iam_member'
                    ? `run:${target(r, r.service, 'google_cloudfunctions2_function')}`
                    : type === 'google_secret_manager_secret_iam_member'
                      ? `secret:${referenced(r.secret_id, 'google_secret_manager_secret')}`
                      : type === 'google_artifact_registry_repository_iam_member'
                        ? `repository:${referenced(r.repository, 'google_artifact_registry_repository')}`
                        : `unknown:${type}`;
      let members: string[];
      if (r.member === '${each.value}') {
        const forEach = r.for_each;
        members =
          typeof forEach === 'string'
            ? [/var\.([a-z_]+)/.exec(forEach)?.[1] ? `var:${/var\.([a-z_]+)/.exec(forEach)![1]}` : forEach]
            : Object.values(forEach as Block).map((m) => memberName(m as string));
      } else {
        members = [memberName(r.member as string)];
      }
      for (const m of members)
        out.push(`${scope} | ${roleName(r.role as string)} | ${m}${r.condition ? ' if' : ''}`);
    }
    return out.sort();
  }

  it('the IAM grants are exactly the reviewed set (docs/deploy.md explains each)', () => {
    expect(grants()).toEqual(
      [
        'bucket:artifacts | custom:object_reader_deleter | sa:api',
        'bucket:artifacts | custom:object_reader_deleter | sa:reconcile',
        'bucket:artifacts | custom:object_reader_deleter | sa:store if',
        'bucket:artifacts | custom:object_reader_deleter | sa:sync',
        'bucket:artifacts | custom:object_writer | sa:store',
        'bucket:artifacts | roles/storage.objectCreator | sa:sync if',
        'bucket:artifacts | roles/storage.objectCreator | var:publisher_members if',
        'bucket:sources | roles/storage.objectViewer | sa:build',
        'project | roles/eventarc.eventReceiver | sa:sync_trigger',
        'project | roles/logging.logWriter | sa:build',
        'project | roles/pubsub.publisher | agent:gcs',
        'project | roles/storage.objectViewer | sa:build if',
        'repository:functions | roles/artifactregistry.writer | sa:build',
        'run:api | roles/run.invoker | var:api_invoker_members',
        'run:reconcile | roles/run.invoker | sa:reconcile_scheduler',
        'run:store | roles/run.invoker | sa:store_push',
        'run:sync | roles/run.invoker | sa:sync_trigger',
        'secret:jwt_secret | roles/secretmanager.secretAccessor | sa:api',
        'secret:service_role_key | roles/secretmanager.secretAccessor | sa:api',
        'secret:service_role_key | roles/secretmanager.secretAccessor | sa:reconcile',
        'secret:service_role_key | roles/secretmanager.secretAccessor | sa:store',
        'secret:service_role_key | roles/secretmanager.secretAccessor | sa:sync',
        'serviceAccount:api | roles/iam.serviceAccountTokenCreator | sa:api',
        'serviceAccount:store_push | roles/iam.serviceAccountTokenCreator | agent:pubsub',
        'serviceAccount:sync_trigger | roles/iam.serviceAccountTokenCreator | agent:pubsub',
        'subscription:store_push | roles/pubsub.subscriber | agent:pubsub',
        'topic:dead_letter | roles/pubsub.publisher | agent:pubsub',
        'topic:events | roles/pubsub.publisher | sa:api',
        'topic:events | roles/pubsub.publisher | sa:reconcile',
        'topic:events | roles/pubsub.publisher | sa:store',
        'topic:events | roles/pubsub.publisher | sa:sync',
        'topic:requests | roles/pubsub.publisher | var:publisher_members',
      ].sort(),
    );
  });

  it('no primitive or broad role anywhere; runtime accounts hold nothing project-wide', () => {
    const broad =
      /^roles\/(owner|editor|viewer|storage\.(admin|objectAdmin|objectUser)|pubsub\.(admin|editor)|iam\.(serviceAccountAdmin|serviceAccountUser|securityAdmin)|run\.(admin|developer)|cloudfunctions\.(admin|developer)|secretmanager\.admin|resourcemanager\.projectIamAdmin|cloudbuild\.builds\.(builder|editor)|artifactregistry\.admin|eventarc\.admin)$/;
    for (const g of grants()) {
      const [scope, role, member] = g.split(' | ') as [string, string, string];
      expect(role, g).not.toMatch(broad);
      if (scope === 'project')
        expect(member, `${g}: runtime accounts get no project-wide role`).not.toMatch(RUNTIME_ACCOUNT);
      // A runtime account's only Pub/Sub role: publishing events, on the events topic.
      if (RUNTIME_ACCOUNT.test(member) && /pubsub/.test(role))
        expect(`${scope} | ${role}`, g).toBe('topic:events | roles/pubsub.publisher');
      if (role === 'roles/run.invoker') expect(member).not.toMatch(RUNTIME_ACCOUNT);
    }
    expect(tf.variables.get('publisher_members')!.default).toEqual([]);
    // The identities in tokens (push, schedule) may invoke their one function and do nothing else.
    const of = (member: string) => grants().filter((g) => g.endsWith(` | ${member}`));
    expect(of('sa:reconcile_scheduler')).toEqual([
      'run:reconcile | roles/run.invoker | sa:reconcile_scheduler',
    ]);
    expect(of('sa:store_push')).toEqual(['run:store | roles/run.invoker | sa:store_push']);
    // Reconcile reads, lists and deletes artifact objects, reads the service role key, announces what it
    // repairs, and nothing else.
    expect(of('sa:reconcile')).toEqual([
      'bucket:artifacts | custom:object_reader_deleter | sa:reconcile',
      'secret:service_role_key | roles/secretmanager.secretAccessor | sa:reconcile',
      'topic:events | roles/pubsub.publisher | sa:reconcile',
    ]);
  });

  it('events: exactly the runtime accounts of store, sync, API and reconcile may publish, on the events topic only', () => {
    const onEvents = grants().filter((g) => g.startsWith('topic:events | '));
    expect(onEvents).toEqual([
      'topic:events | roles/pubsub.publisher | sa:api',
      'topic:events | roles/pubsub.publisher | sa:reconcile',
      'topic:events | roles/pubsub.publisher | sa:store',
      'topic:events | roles/pubsub.publisher | sa:sync',
    ]);
    // The accounts the publishing functions run as, derived from the functions themselves.
    const publishing = new Set(
      functions
        .filter((f) => (PUBLISHERS as readonly string[]).includes(f.entryPoint))
        .map((f) => serviceAccountOf(f.service.service_account_email)),
    );
    expect(onEvents.map((g) => g.split(' | ')[2])).toEqual([...publishing].sort().map((sa) => `sa:${sa}`));
    // Who publishes what: nobody else holds a Pub/Sub role that reaches the topic (no project-wide grant).
    for (const g of grants()) {
      const [scope, role, member] = g.split(' | ') as [string, string, string];
      if (!/^roles\/pubsub\./.test(role) || scope === 'topic:events') continue;
      expect(member, `${g}: no runtime account publishes elsewhere`).not.toMatch(RUNTIME_ACCOUNT);
      if (scope === 'project') expect(member, g).toBe('agent:gcs');
    }
    const grant = resource('google_pubsub_topic_iam_member.events_publishers');
    expect(grant.topic).toBe('${google_pubsub_topic.events.id}');
    expect(grant.role).toBe('roles/pubsub.publisher');
    expect(grant.condition).toBeUndefined();
    // The token identities (schedule, push, trigger) are not among them.
    for (const member of ['sa:reconcile_scheduler', 'sa:store_push', 'sa:sync_trigger']) {
      expect(
        grants().filter((g) => g.endsWith(` | ${member}`) && /pubsub/.test(g)),
        member,
      ).toEqual([]);
    }
    // The grants exist before the functions start (they wait for the propagation sleep).
    expect(resource('time_sleep.iam_propagation').depends_on).toContain(
      '${google_pubsub_topic_iam_member.events_publishers}',
    );
  });

  it('custom roles: nothing beyond object get/list/delete/create/update; only the store may create or update', () => {
    const perms = (name: string) =>
      resource(`google_project_iam_custom_role.${name}`).permissions as string[];
    const customRoles = [...tf.resources.keys()]
      .filter((a) => a.startsWith('google_project_iam_custom_role.'))
      .map((a) => a.split('.')[1]!);
    expect(customRoles.sort()).toEqual(['object_reader_deleter', 'object_writer']);
    expect(perms('object_reader_deleter').sort()).toEqual([
      'storage.objects.delete',
      'storage.objects.get',
      'storage.objects.list',
    ]);
    // update = metadata only (the store touches a visual it reuses); create without delete = create-only.
    expect(perms('object_writer').sort()).toEqual([
      'storage.objects.create',
      'storage.objects.get',
      'storage.objects.list',
      'storage.objects.update',
    ]);
    const roleOf = (address: string) => referenced(resource(address).role, 'google_project_iam_custom_role')!;
    // Every grant of a custom role that can create or update goes to the store, and to nobody else.
    const writers = new Set(
      customRoles.filter((r) =>
        perms(r).some((p) => p === 'storage.objects.create' || p === 'storage.objects.update'),
      ),
    );
    expect([...writers]).toEqual(['object_writer']);
    for (const [address, r] of tf.resources) {
      const custom = referenced(r.role, 'google_project_iam_custom_role');
      if (!custom || !writers.has(custom)) continue;
      expect(address, `${address} grants ${custom}`).toBe('google_storage_bucket_iam_member.store_objects');
      expect(r.member).toBe('${google_service_account.store.member}');
    }
    // Reconcile: exactly get, list and delete (it records rows, never writes an object).
    expect(perms(roleOf('google_storage_bucket_iam_member.reconcile_objects')).sort()).toEqual([
      'storage.objects.delete',
      'storage.objects.get',
      'storage.objects.list',
    ]);
    expect(resource('google_storage_bucket_iam_member.reconcile_objects').condition).toBeUndefined();
    for (const grant of ['sync_objects', 'api_objects', 'reconcile_objects']) {
      expect(perms(roleOf(`google_storage_bucket_iam_member.${grant}`)), grant).not.toContain(
        'storage.objects.create',
      );
      expect(perms(roleOf(`google_storage_bucket_iam_member.${grant}`)), grant).not.toContain(
        'storage.objects.update',
      );
    }
    // The store writes create-only and deletes nothing but the staged payloads it consumed: never a manifest
    // (the commit point) nor a visual (a racing attempt's manifest may reference it).
    expect(perms(roleOf('google_storage_bucket_iam_member.store_objects'))).not.toContain(
      'storage.objects.delete',
    );
    const storeDeletes = one(resource('google_storage_bucket_iam_member.store_deletes').condition);
    expect(storeDeletes.expression).toBe('resource.name.startsWith("${local.objects}/staging/")');
    expect(tf.locals.objects).toBe('projects/_/buckets/${var.bucket_name}/objects');
    // The sync function creates its quarantine records (docs/design.md, "Bad input and failures") and nothing else.
    const syncQuarantine = one(resource('google_storage_bucket_iam_member.sync_quarantine').condition);
    expect(syncQuarantine.expression).toBe(
      `resource.name.startsWith("\${local.objects}/${SYNC_QUARANTINE_PREFIX}")`,
    );
    expect(SYNC_QUARANTINE_PREFIX).toBe('quarantine/sync/');
    const staging = one(resource('google_storage_bucket_iam_member.publishers_staging').condition);
    expect(staging.expression).toBe('resource.name.startsWith("${local.objects}/staging/")');
    const buildSources = one(resource('google_project_iam_member.build_source_reader').condition);
    expect(buildSources.expression).toMatch(
      /startsWith\("projects\/_\/buckets\/gcf-v2-sources-\$\{data\.google_project\.this\.number\}-\$\{var\.region\}"\)/,
    );
  });
});

describe('resources as docs/design.md: "Objects in the bucket", "Policy", "Bad input and failures", "Dependencies", "Reconcile" describe them', () => {
  it('the bucket: uniform access, public access prevention, lifecycle of staging/, quarantine/ and retained artifacts', () => {
    const bucket = resource('google_storage_bucket.artifacts');
    expect(bucket.uniform_bucket_level_access).toBe(true);
    expect(bucket.public_access_prevention).toBe('enforced');
    expect(bucket.force_destroy).toBe(false);
    expect(one(bucket.versioning).enabled).toBe(false);
    const rules = many(bucket.lifecycle_rule).map((r) => ({
      action: one(r.action),
      condition: one(r.condition),
    }));
    expect(rules.every((r) => r.action.type === 'Delete')).toBe(true);
    expect(rules.map((r) => r.condition)).toEqual([
      { age: 1, matches_prefix: ['staging/'], send_age_if_zero: false },
      { age: 30, matches_prefix: ['quarantine/'], send_age_if_zero: false },
      {
        // Without the send flag the provider drops the 0; with a zero age sent, the rule would delete all.
        days_since_custom_time: 0,
        send_days_since_custom_time_if_zero: true,
        send_age_if_zero: false,
        matches_prefix: ['artifacts/'],
      },
    ]);
    const sources = resource('google_storage_bucket.sources');
    expect(sources.uniform_bucket_level_access).toBe(true);
    expect(sources.public_access_prevention).toBe('enforced');
  });

  it('the push subscription: OIDC, dead letters, exponential backoff, ack deadline = store timeout', () => {
    const push = resource('google_pubsub_subscription.store_push');
    expect(push.ack_deadline_seconds).toBe('${var.store_timeout_seconds}');
    const store = functions.find((f) => f.entryPoint === 'storeArtifact')!;
    expect(store.service.timeout_seconds).toBe('${var.store_timeout_seconds}');
    expect(tf.variables.get('store_timeout_seconds')!.validation[0].condition).toMatch(/<= 600/);
    const dlq = one(push.dead_letter_policy);
    expect(dlq.dead_letter_topic).toBe('${google_pubsub_topic.dead_letter.id}');
    expect(dlq.max_delivery_attempts).toBe('${var.max_delivery_attempts}');
    const retry = one(push.retry_policy);
    expect(retry).toEqual({ minimum_backoff: '10s', maximum_backoff: '600s' });
    expect(resource('google_pubsub_subscription.dead_letter').topic).toBe(
      '${google_pubsub_topic.dead_letter.id}',
    );
    expect(store.service.ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    expect(store.trigger, 'the store is fed by the push subscription, not a gen2 trigger').toBeUndefined();
  });

  it('the sync function is deployed on finalized and on deleted, retrying', () => {
    const sync = resource('google_cloudfunctions2_function.sync');
    expect(sync.for_each).toEqual({
      finalized: 'google.cloud.storage.object.v1.finalized',
      deleted: 'google.cloud.storage.object.v1.deleted',
    });
    const trigger = one(sync.event_trigger);
    expect(trigger.event_type).toBe('${each.value}');
    expect(trigger.retry_policy).toBe('RETRY_POLICY_RETRY');
    expect(trigger.trigger_region).toBe('${local.trigger_region}');
    expect(tf.locals.trigger_region).toBe('${lower(google_storage_bucket.artifacts.location)}');
  });

  it('the API is public HTTP; store, sync and reconcile accept internal traffic only', () => {
    for (const fn of functions) {
      expect(fn.service.ingress_settings, fn.address).toBe(
        fn.entryPoint === 'artifactsApi' ? 'ALLOW_ALL' : 'ALLOW_INTERNAL_ONLY',
      );
    }
    expect(tf.variables.get('api_invoker_members')!.default).toEqual(['allUsers']);
  });

  it('reconcile (docs/design.md, "Reconcile"): one instance, one request at a time, the longest HTTP timeout, internal only', () => {
    const reconcile = functions.filter((f) => f.entryPoint === 'reconcileArtifacts');
    expect(reconcile.map((f) => f.address)).toEqual(['google_cloudfunctions2_function.reconcile']);
    const { service, trigger } = reconcile[0]!;
    expect(trigger, 'run by the schedule, not by an event').toBeUndefined();
    expect(service.ingress_settings).toBe('ALLOW_INTERNAL_ONLY');
    // Two runs never overlap: at most one instance, serving one request.
    expect(service.max_instance_count).toBe(1);
    expect(service.max_instance_request_concurrency).toBe(1);
    expect(service.min_instance_count).toBe(0);
    expect(service.timeout_seconds).toBe(3600);
  });

  it('the reconcile schedule: Cloud Scheduler POSTs {} to the function URL with its own OIDC identity', () => {
    const jobs = [...tf.resources.keys()].filter((a) => a.startsWith('google_cloud_scheduler_job.'));
    expect(jobs).toEqual(['google_cloud_scheduler_job.reconcile']);
    const job = resource('google_cloud_scheduler_job.reconcile');
    expect(job.schedule).toBe('${var.reconcile_schedule}');
    expect(job.time_zone).toBe('${var.reconcile_time_zone}');
    expect(tf.variables.get('reconcile_schedule')!.default).toBe('17 * * * *');
    expect(tf.variables.get('reconcile_time_zone')!.default).toBe('Etc/UTC');
    expect(job.region).toBe('${google_cloudfunctions2_function.reconcile.location}');
    expect(job.paused, 'the schedule runs').toBeUndefined();
    // Cloud Scheduler's longest wait for an HTTP target.
    expect(job.attempt_deadline).toBe('1800s');
    const retry = one(job.retry_config);
    expect(retry).toEqual({
      retry_count: 2,
      min_backoff_duration: '300s',
      max_backoff_duration: '900s',
      max_doublings: 1,
    });
    const url = '${google_cloudfunctions2_function.reconcile.service_config[0].uri}';
    const target = one(job.http_target);
    expect(target.http_method).toBe('POST');
    expect(target.uri).toBe(url);
    expect(target.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(target.body).toBe('${base64encode(jsonencode({}))}');
    expect(target.oauth_token, 'Cloud Run takes OIDC tokens, not OAuth').toBeUndefined();
    const oidc = one(target.oidc_token);
    expect(oidc.service_account_email).toBe('${google_service_account.reconcile_scheduler.email}');
    // Cloud Run checks the token's audience against the service URL.
    expect(oidc.audience).toBe(url);
    // The invoker grant: that account, on exactly that service, made before the job can first run.
    const invoker = resource('google_cloud_run_service_iam_member.reconcile_invoker');
    expect(invoker).toEqual({
      project: '${var.project_id}',
      location: '${google_cloudfunctions2_function.reconcile.location}',
      service: '${google_cloudfunctions2_function.reconcile.name}',
      role: 'roles/run.invoker',
      member: '${google_service_account.reconcile_scheduler.member}',
    });
    expect(job.depends_on).toContain('${google_cloud_run_service_iam_member.reconcile_invoker}');
    expect(tf.outputs.get('reconcile_url')!.value).toBe(url);
    expect(tf.outputs.get('reconcile_job')!.value).toBe('${google_cloud_scheduler_job.reconcile.name}');
  });

  it('the APIs the deployment uses are enabled and stay enabled on destroy', () => {
    const services = resource('google_project_service.enabled');
    expect(services.disable_on_destroy).toBe(false);
    const apis = tf.locals.apis as string;
    for (const api of [
      'cloudfunctions',
      'run',
      'cloudbuild',
      'eventarc',
      'pubsub',
      'storage',
      'secretmanager',
      'artifactregistry',
      'iam',
      'iamcredentials',
      'cloudscheduler',
    ]) {
      expect(apis, api).toContain(`"${api}.googleapis.com"`);
    }
  });
});

describe('events (docs/design.md, "Events")', () => {
  it('the events topic: named from events_topic_name (default artifact-store-events), kept 7 days, an output', () => {
    const topic = resource('google_pubsub_topic.events');
    expect(topic.name).toBe('${var.events_topic_name}');
    expect(tf.variables.get('events_topic_name')!.default).toBe('artifact-store-events');
    expect(tf.variables.get('topic_name')!.default, 'not the request topic').not.toBe(
      'artifact-store-events',
    );
    // Pub/Sub allows 10 minutes to 31 days of topic retention.
    expect(topic.message_retention_duration).toBe('604800s');
    expect(topic.depends_on).toEqual(['${google_project_service.enabled}']);
    expect(tf.outputs.get('events_topic')!.value).toBe('${google_pubsub_topic.events.name}');
    expect(tf.outputs.get('events_topic_id')!.value).toBe('${google_pubsub_topic.events.id}');
  });

  it('each publishing function (all four) gets ARTIFACT_EVENTS_TOPIC naming the events topic', () => {
    // The functions whose configuration reads the variable are exactly the publishers.
    const reading = Object.entries(FUNCTION_CONFIGS)
      .filter(([, schema]) => describeVariables(schema).optional.includes('ARTIFACT_EVENTS_TOPIC'))
      .map(([name]) => name);
    expect(reading.sort()).toEqual([...PUBLISHERS].sort());
    for (const fn of functions) {
      expect(PUBLISHERS as readonly string[]).toContain(fn.entryPoint);
      // The topic's full path: independent of GOOGLE_CLOUD_PROJECT, and it carries the dependency on the topic.
      expect(fn.env.ARTIFACT_EVENTS_TOPIC, fn.address).toBe('${google_pubsub_topic.events.id}');
      expect(fn.env.PUBSUB_EMULATOR_HOST, `${fn.address}: the real Pub/Sub`).toBeUndefined();
    }
    expect(
      functions
        .filter((f) => f.env.ARTIFACT_EVENTS_TOPIC)
        .map((f) => f.address)
        .sort(),
    ).toEqual([
      'google_cloudfunctions2_function.api',
      'google_cloudfunctions2_function.reconcile',
      'google_cloudfunctions2_function.store',
      'google_cloudfunctions2_function.sync',
    ]);
    // Both sync deployments (one resource, for_each over the event types) get it.
    expect(resource('google_cloudfunctions2_function.sync').for_each).toHaveProperty('finalized');
    expect(resource('google_cloudfunctions2_function.sync').for_each).toHaveProperty('deleted');
  });
});

// A quick sanity check of the helpers, so a parsing change cannot make every check above pass vacuously.
describe('the parsed configuration', () => {
  it('has the resources the checks read', () => {
    expect(functions.map((f) => f.address).sort()).toEqual([
      'google_cloudfunctions2_function.api',
      'google_cloudfunctions2_function.reconcile',
      'google_cloudfunctions2_function.store',
      'google_cloudfunctions2_function.sync',
    ]);
    expect([...tf.outputs.keys()]).toEqual(
      expect.arrayContaining([
        'api_url',
        'request_topic',
        'events_topic',
        'artifact_bucket',
        'reconcile_url',
        'reconcile_job',
      ]),
    );
  });
});
