/**
 * The Pub/Sub emulator path of the local stack: a down emulator makes a publish fail within seconds with one
 * line (not the client's minute of retries and a page of gRPC), and when the emulator comes back after a
 * restart (it forgets its topics), the watcher of `npm start` recreates the topic and the push subscription,
 * so that a publish is pushed to the store endpoint again, and the events topic the functions publish on. The
 * second part needs gcloud: installed on the team's machines and in CI (CI=true fails without it); skipped on
 * a laptop without it, saying so.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import {
  configurePushSubscription,
  ensureTopic,
  startPubSubEmulator,
  watchPushSubscription,
} from '../../local/pubsub-emulator';
import { TransientError } from '../../shared/domain/errors';
import { PubSubTransport } from '../../shared/producer/publish-transport';
import { waitFor } from '../support/stack';

const hasGcloud = spawnSync('gcloud', ['--version'], { stdio: 'ignore' }).status === 0;
const CI = Boolean(process.env.CI);
if (!hasGcloud && !CI)
  console.warn('gcloud is not installed: skipping the emulator restart test (it runs in CI)');

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('a down emulator', () => {
  it('fails a publish within seconds, in one line', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const transport = new PubSubTransport({ projectId: 'down', topic: 'requests', emulatorHost: host });
    const started = Date.now();
    const error = (await transport.publish(Buffer.from('{}'), {}).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      `the Pub/Sub emulator at ${host} is not reachable (ECONNREFUSED); start it, or unset PUBSUB_EMULATOR_HOST`,
    );
    await transport.close();
  });

  it('makes configurePushSubscription fail in one line too', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    await expect(
      configurePushSubscription({
        emulatorHost: host,
        projectId: 'down',
        topic: 'requests',
        subscription: 'requests-push',
        pushEndpoint: 'http://127.0.0.1:9/',
      }),
    ).rejects.toThrow(`the Pub/Sub emulator at ${host} is not reachable (ECONNREFUSED)`);
  });
});

describe.skipIf(!hasGcloud && !CI)('an emulator that restarts', () => {
  it('is installed (required under CI)', () => {
    expect(hasGcloud, 'gcloud must be on the PATH under CI=true').toBe(true);
  });

  it('gets its topic and push subscription back, and pushes reach the endpoint again', {
    timeout: 180_000,
  }, async () => {
    const pushes: string[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message: { data: string } };
        pushes.push(Buffer.from(body.message.data, 'base64').toString('utf8'));
        res.writeHead(204).end();
      });
    });
    const receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((r) => receiver.close(r)));

    const port = await freePort();
    let emulator = await startPubSubEmulator({ port });
    cleanups.push(() => emulator.stop());
    const setup = {
      emulatorHost: emulator.host,
      projectId: 'restart-project',
      topic: 'requests',
      subscription: 'requests-push',
      pushEndpoint: `http://127.0.0.1:${receiverPort}/projects/restart-project/topics/requests`,
    };
    await configurePushSubscription(setup);
    expect(await ensureTopic(setup, 'events')).toBe(true);
    expect(await ensureTopic(setup, 'events')).toBe(false);
    const lines: string[] = [];
    const watcher = watchPushSubscription(setup, {
      intervalMs: 300,
      onLine: (l) => lines.push(l),
      topics: ['events'],
    });
    cleanups.push(() => watcher.stop());

    const publish = async (text: string) => {
      const transport = new PubSubTransport({
        projectId: setup.projectId,
        topic: setup.topic,
        emulatorHost: emulator.host,
      });
      try {
        return await transport.publish(Buffer.from(text), {});
      } finally {
        await transport.close();
      }
    };
    await publish('before the restart');
    await waitFor(async () => pushes.includes('before the restart'), 'the first push');

    await emulator.stop();
    await waitFor(async () => lines.some((l) => l.includes('is not reachable')), 'the watcher noticing');
    emulator = await startPubSubEmulator({ port });
    await waitFor(
      async () => lines.some((l) => l.startsWith('recreated topic requests')),
      'the topic recreated',
      30_000,
    );
    expect(lines).toContain(`the Pub/Sub emulator at ${setup.emulatorHost} is back`);
    // The events topic the functions publish on comes back too.
    await waitFor(
      async () => lines.includes('recreated topic events on the Pub/Sub emulator'),
      'the events topic recreated',
    );
    const events = await fetch(`http://${emulator.host}/v1/projects/${setup.projectId}/topics/events`);
    expect(events.status).toBe(200);

    await publish('after the restart');
    await waitFor(async () => pushes.includes('after the restart'), 'a push after the restart');
  });
});
