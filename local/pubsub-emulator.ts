/**
 * The gcloud Pub/Sub emulator: starting it (tests and CI) and giving it the request topic with a push
 * subscription to the store function, as Terraform does in production (without the dead-letter topic: the
 * emulator redelivers a failing push about once a second, forever).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { emulatorOptions } from '../shared/producer/publish-transport';
import { waitForPort } from './function-process';

export interface PushSetup {
  /** host:port of the emulator. */
  emulatorHost: string;
  projectId: string;
  topic: string;
  subscription: string;
  pushEndpoint: string;
}

/** Creates the topic and the push subscription, or points an existing subscription at `pushEndpoint`. */
export async function configurePushSubscription(setup: PushSetup): Promise<void> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId: setup.projectId, ...emulatorOptions(setup.emulatorHost) });
  try {
    const topic = pubsub.topic(setup.topic);
    const [topicExists] = await topic.exists();
    if (!topicExists) await topic.create();
    const subscription = topic.subscription(setup.subscription);
    const [subscriptionExists] = await subscription.exists();
    if (!subscriptionExists) {
      await topic.createSubscription(setup.subscription, {
        pushConfig: { pushEndpoint: setup.pushEndpoint },
        ackDeadlineSeconds: 60,
      });
    } else {
      await subscription.modifyPushConfig({ pushEndpoint: setup.pushEndpoint });
    }
  } finally {
    await pubsub.close();
  }
}

export interface RunningEmulator {
  host: string;
  stop(): Promise<void>;
}

/** Starts `gcloud beta emulators pubsub start` in its own process group (it forks a Java child). */
export async function startPubSubEmulator(options: {
  port: number;
  log?: (line: string) => void;
}): Promise<RunningEmulator> {
  const host = `127.0.0.1:${options.port}`;
  const child: ChildProcess = spawn(
    'gcloud',
    ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, '--quiet'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const onData = (chunk: Buffer) => options.log?.(chunk.toString('utf8').trimEnd());
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  await Promise.race([waitForPort(options.port, '127.0.0.1', 60_000, () => !exited), spawnError]);
  return {
    host,
    async stop() {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (!exited) process.kill(-child.pid, 'SIGKILL');
    },
  };
}
