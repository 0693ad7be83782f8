/**
 * The local stack's port check: every busy port is named with its component, its variable and (on Linux) the
 * process that holds it, before anything starts.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/net';
import { canBind, checkPorts, whoListens } from '../../local/ports';
import { LocalStackError } from '../../local/stack-error';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function squat(host = '0.0.0.0'): Promise<number> {
  const port = await freePort();
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return port;
}

describe('checkPorts', () => {
  it('names the component, its variable and the holder of each busy port, in one error', async () => {
    const busyA = await squat();
    const busyB = await squat('127.0.0.1');
    const free = await freePort();
    const error = await checkPorts(
      [
        { component: 'artifactsApi', port: busyA, envVar: 'ARTIFACTS_API_PORT' },
        { component: 'gcs', port: free, envVar: 'GCS_PORT' },
        { component: 'supabase', port: busyB, envVar: 'SUPABASE_PORT' },
      ],
      '127.0.0.1',
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalStackError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `port ${busyA} (artifactsApi, ARTIFACTS_API_PORT) is in use by another process (pid ${process.pid}, node); free it or set ARTIFACTS_API_PORT`,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^port ${busyB} \\(supabase, SUPABASE_PORT\\) is in use .*set SUPABASE_PORT$`),
    );
  });

  it('refuses a port given twice and a value that is no port', async () => {
    const port = await freePort();
    const error = (await checkPorts(
      [
        { component: 'storeArtifact', port, envVar: 'STORE_ARTIFACT_PORT' },
        { component: 'syncArtifactMetadata', port, envVar: 'SYNC_METADATA_PORT' },
        { component: 'postgres', port: Number('abc'), envVar: 'POSTGRES_PORT' },
      ],
      '127.0.0.1',
    ).catch((err: unknown) => err)) as Error;
    expect(error.message).toMatch(
      /port \d+ is set for both storeArtifact \(STORE_ARTIFACT_PORT\) and syncArtifactMetadata/,
    );
    expect(error.message).toMatch(/POSTGRES_PORT=NaN is not a port number/);
  });

  it('passes when every port is free, and sees the holder of a listening port', async () => {
    const [a, b] = [await freePort(), await freePort()];
    await expect(
      checkPorts(
        [
          { component: 'a', port: a, envVar: 'A_PORT' },
          { component: 'b', port: b, envVar: 'B_PORT' },
        ],
        '127.0.0.1',
      ),
    ).resolves.toBeUndefined();
    expect(await canBind(a, '127.0.0.1')).toBe(true);
    const busy = await squat();
    expect(await canBind(busy, '127.0.0.1')).toBe(false);
    if (process.platform === 'linux') expect(whoListens(busy)).toBe(`pid ${process.pid}, node`);
  });
});
