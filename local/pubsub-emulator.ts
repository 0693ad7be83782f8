/**
 * The gcloud Pub/Sub emulator: starting it (tests and CI) and giving it the request topic with a push
 * subscription to the store function, as Terraform does in production (without the dead-letter topic: the
 * emulator redelivers a failing push about once a second, forever), and the topic the functions publish their
 * events on (`ensureTopic`). The emulator forgets its topics when it restarts, so `npm start` keeps watching
 * (`watchPushSubscription`) and recreates them when it comes back.
 *
 * Topic and subscription are managed through the emulator's REST interface (the Pub/Sub v1 REST API, served
 * on the same port as gRPC): plain fetch with short timeouts, so a down emulator is a quick, clear failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { canBind } from './ports';
import { LocalStackError } from './stack-error';

export interface PushSetup {
  /** host:port of the emulator. */
  emulatorHost: string;
  projectId: string;
  topic: string;
  subscription: string;
  pushEndpoint: string;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
}

/** What a call to the emulator needs. */
type EmulatorTarget = Pick<PushSetup, 'emulatorHost' | 'projectId' | 'timeoutMs'>;

async function rest(
  setup: EmulatorTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = `http://${setup.emulatorHost}/v1/projects/${encodeURIComponent(setup.projectId)}/${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(setup.timeoutMs ?? 5000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new LocalStackError(
      `the Pub/Sub emulator at ${setup.emulatorHost} is not reachable (${cause})`,
      `start it (gcloud beta emulators pubsub start --host-port=${setup.emulatorHost}) or unset PUBSUB_EMULATOR_HOST`,
    );
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {}
  return { status: res.status, json };
}

function fail(what: string, reply: { status: number; json: Record<string, unknown> }): never {
  const message = (reply.json.error as { message?: string } | undefined)?.message ?? `HTTP ${reply.status}`;
  throw new LocalStackError(`the Pub/Sub emulator refused to ${what}: ${message}`);
}

/** Creates `topic` unless it exists; returns whether it had to. */
export async function ensureTopic(setup: EmulatorTarget, topic: string): Promise<boolean> {
  const reply = await rest(setup, 'PUT', `topics/${encodeURIComponent(topic)}`, {});
  if (reply.status !== 200 && reply.status !== 409) fail(`create topic ${topic}`, reply);
  return reply.status === 200;
}

/**
 * Creates the topic and the push subscription, or points an existing subscription at `pushEndpoint`.
 * Returns what it had to create.
 */
export async function configurePushSubscription(
  setup: PushSetup,
): Promise<{ topic: boolean; subscription: boolean }> {
  const topic = await ensureTopic(setup, setup.topic);
  const subPath = `subscriptions/${encodeURIComponent(setup.subscription)}`;
  const created = await rest(setup, 'PUT', subPath, {
    topic: `projects/${setup.projectId}/topics/${setup.topic}`,
    pushConfig: { pushEndpoint: setup.pushEndpoint },
    ackDeadlineSeconds: 60,
  });
  if (created.status === 409) {
    const modified = await rest(setup, 'POST', `${subPath}:modifyPushConfig`, {
      pushConfig: { pushEndpoint: setup.pushEndpoint },
    });
    if (modified.status !== 200) fail(`update subscription ${setup.subscription}`, modified);
  } else if (created.status !== 200) {
    fail(`create subscription ${setup.subscription}`, created);
  }
  return { topic, subscription: created.status === 200 };
}

export interface Watcher {
  stop(): void;
}

/**
 * Every `intervalMs` (default 3 s), checks that the topic and the subscription still exist, and each of
 * `topics` (the events topic); when the emulator has come back without them (it forgets everything on
 * restart), recreates them. Says once when the emulator goes away and once when it is back.
 */
export function watchPushSubscription(
  setup: PushSetup,
  options: { intervalMs?: number; onLine?: (line: string) => void; topics?: string[] } = {},
): Watcher {
  const say = options.onLine ?? (() => {});
  const probe = { ...setup, timeoutMs: Math.min(setup.timeoutMs ?? 2000, 2000) };
  let down = false;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const topic = await rest(probe, 'GET', `topics/${encodeURIComponent(setup.topic)}`);
      const sub =
        topic.status === 200
          ? await rest(probe, 'GET', `subscriptions/${encodeURIComponent(setup.subscription)}`)
          : topic;
      if (down) say(`the Pub/Sub emulator at ${setup.emulatorHost} is back`);
      down = false;
      if (topic.status === 404 || sub.status === 404) {
        await configurePushSubscription(setup);
        say(
          `recreated topic ${setup.topic} and push subscription ${setup.subscription} on the Pub/Sub emulator (it forgets them when it restarts)`,
        );
      }
      for (const extra of options.topics ?? []) {
        const found = await rest(probe, 'GET', `topics/${encodeURIComponent(extra)}`);
        if (found.status === 404 && (await ensureTopic(setup, extra)))
          say(`recreated topic ${extra} on the Pub/Sub emulator`);
      }
    } catch (err) {
      if (!down) say(`${(err as Error).message}; publishing through it fails until it is back`);
      down = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), options.intervalMs ?? 3000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export interface RunningEmulator {
  host: string;
  stop(): Promise<void>;
}

/**
 * Starts `gcloud beta emulators pubsub start` in its own process group (it forks a Java child). Ready when
 * it says so itself ("Server started, listening on PORT"), after the port was checked free, so another
 * listener is never taken for it. The JVM's perf-data file (/tmp/hsperfdata_*) is turned off.
 */
export async function startPubSubEmulator(options: {
  port: number;
  log?: (line: string) => void;
  timeoutMs?: number;
}): Promise<RunningEmulator> {
  const host = `127.0.0.1:${options.port}`;
  if (!(await canBind(options.port, '127.0.0.1'))) {
    throw new LocalStackError(
      `port ${options.port} for the Pub/Sub emulator is in use`,
      'free it or choose another',
    );
  }
  const child: ChildProcess = spawn(
    'gcloud',
    ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, '--quiet'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        JAVA_TOOL_OPTIONS: `${process.env.JAVA_TOOL_OPTIONS ?? ''} -XX:-UsePerfData`.trim(),
      },
    },
  );
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      options.log?.(text.trimEnd());
      output.push(text);
      if (new RegExp(`Server started, listening on ${options.port}\\b`).test(output.join(''))) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(
        new Error(`the Pub/Sub emulator exited (code ${code}): ${output.join('').trim().split('\n').at(-1)}`),
      ),
    );
  });
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!exited) process.kill(-child.pid, 'SIGKILL');
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the Pub/Sub emulator did not start within 60 s')),
          options.timeoutMs ?? 60_000,
        );
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { host, stop };
}
