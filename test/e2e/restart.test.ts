/**
 * `npm start` twice on one data directory: the second stack, with its own embedded PostgreSQL and bucket
 * files reopened from disk, serves what the first one stored (also what it stored while the sync function
 * was down: the object event pending at stop is delivered after the restart), and stopping leaves no process
 * listening.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { type StackPorts, startStack } from '../../local/stack';
import { mintJwt } from '../../local/tokens';
import { publishArtifact } from '../../shared/producer/publish';
import { PushTransport } from '../../shared/producer/publish-transport';
import { waitFor } from '../support/stack';

const dataDir = mkdtempSync(join(tmpdir(), 'artifact-store-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function start(ports: StackPorts) {
  return startStack({
    dataDir,
    ports,
    projectId: 'restart',
    bucket: 'restart-artifacts',
    topic: 'requests',
    build: false,
  });
}

it('keeps the data of the first start, and the object events still pending, and stops every process it started', {
  timeout: 120_000,
}, async () => {
  const [a, b, c, d, e, f] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const ports: StackPorts = {
    artifactsApi: a!,
    storeArtifact: b!,
    syncArtifactMetadata: c!,
    postgrest: d!,
    postgres: e!,
    gcs: f!,
  };
  const artifact = { workflow: { id: 'kept' } };
  const stranded = { workflow: { id: 'stored while the sync function was down' } };

  const first = await start(ports);
  let id: string;
  let strandedId: string;
  try {
    const transport = new PushTransport({ url: first.urls.store, projectId: 'restart', topic: 'requests' });
    ({ artifact_id: id } = await publishArtifact(
      { artifact_type: 'workflow', tenant_id: 'restart', artifact, materialization: { mode: 'persist' } },
      { transport },
    ));
    await first.eventsIdle();
    await first.functions.syncArtifactMetadata.stop();
    ({ artifact_id: strandedId } = await publishArtifact(
      {
        artifact_type: 'workflow',
        tenant_id: 'restart',
        artifact: stranded,
        materialization: { mode: 'persist' },
      },
      { transport },
    ));
    await waitFor(async () => first.gcsEvents.stats().retrying > 0, 'the manifest event retrying');
  } finally {
    await first.stop();
  }
  for (const port of Object.values(ports)) expect(await listening(port)).toBe(false);

  // Fresh ports: another test's stack may take a freed one meanwhile; the data directory is what matters.
  const [g, h, i, j, k, l] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const second = await start({
    artifactsApi: g!,
    storeArtifact: h!,
    syncArtifactMetadata: i!,
    postgrest: j!,
    postgres: k!,
    gcs: l!,
  });
  try {
    const token = await mintJwt(
      { role: 'authenticated', app_metadata: { tenant_id: 'restart' } },
      second.jwtSecret,
      { expiresIn: '5m' },
    );
    const res = await waitFor(async () => {
      const r = await fetch(`${second.urls.api}/api/artifacts/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return r.ok ? r : undefined;
    }, 'artifact readable after restart');
    expect(((await res.json()) as { artifact: unknown }).artifact).toEqual(artifact);
    const late = await waitFor(async () => {
      const r = await fetch(`${second.urls.api}/api/artifacts/${strandedId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return r.ok ? r : undefined;
    }, 'the artifact stored while sync was down readable after restart');
    expect(((await late.json()) as { artifact: unknown }).artifact).toEqual(stranded);
  } finally {
    await second.stop();
  }
});
