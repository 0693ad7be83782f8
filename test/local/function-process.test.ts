/**
 * A function process of the local stack: it listens on the bind host only, it is ready only when *it*
 * listens (a port held by another process is an error naming the variable, never taken for the function),
 * and an exit nobody asked for is reported with the reason.
 */
import { connect, createServer, type Server } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionProcess, startFunctionProcess } from '../../local/function-process';
import { freePort } from '../../local/net';
import { LocalStackError } from '../../local/stack-error';
import { LOCAL_JWT_SECRET, localServiceRoleKey } from '../../local/tokens';

const running: FunctionProcess[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Enough configuration for artifactsApi to pass its cold-start checks (nothing is called). */
const ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  GOOGLE_CLOUD_PROJECT: 'fp-test',
  ARTIFACT_BUCKET: 'fp-test-bucket',
  GCS_API_ENDPOINT: 'http://127.0.0.1:9',
  SUPABASE_URL: 'http://127.0.0.1:9',
  SUPABASE_SERVICE_ROLE_KEY: 'unused',
  SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
};
beforeAll(async () => {
  ENV.SUPABASE_SERVICE_ROLE_KEY = await localServiceRoleKey();
});

const accepts = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('startFunctionProcess', () => {
  it('listens on the bind host only and answers as the function', async () => {
    const port = await freePort();
    const fn = await startFunctionProcess({ name: 'artifactsApi', port, host: '127.0.0.2', env: ENV });
    running.push(fn);
    expect(fn.url).toBe(`http://127.0.0.2:${port}`);
    expect(await accepts(port, '127.0.0.2')).toBe(true);
    expect(await accepts(port, '127.0.0.1')).toBe(false);
    const res = await fetch(`${fn.url}/api/openapi.json`);
    expect(res.status).toBe(200);
  });

  it('never takes another listener on its port for the function', async () => {
    const port = await freePort();
    const squatter = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    servers.push(squatter);
    await new Promise<void>((resolve) => squatter.listen(port, '0.0.0.0', resolve));
    const error = await startFunctionProcess({
      name: 'artifactsApi',
      port,
      portVar: 'ARTIFACTS_API_PORT',
      env: ENV,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as Error).message).toBe(
      `artifactsApi could not listen on 127.0.0.1:${port}: the port is in use by another process; free it or set ARTIFACTS_API_PORT`,
    );
  });

  it('reports an exit nobody asked for, and not one it asked for', async () => {
    const fn = await startFunctionProcess({ name: 'artifactsApi', port: await freePort(), env: ENV });
    running.push(fn);
    process.kill(fn.pid!, 'SIGKILL');
    await expect(fn.exited).resolves.toMatch(/^artifactsApi exited \(SIGKILL\)/);

    const other = await startFunctionProcess({ name: 'artifactsApi', port: await freePort(), env: ENV });
    const reported = Promise.race([other.exited, new Promise((r) => setTimeout(() => r('quiet'), 1000))]);
    await other.stop();
    expect(await reported).toBe('quiet');
  });

  it('says why a function that cannot start exits', async () => {
    const { SUPABASE_URL: _, ...missing } = ENV;
    const error = (await startFunctionProcess({
      name: 'artifactsApi',
      port: await freePort(),
      env: missing,
    }).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(LocalStackError);
    expect(error.message).toMatch(/^artifactsApi exited before listening \(code \d+\): .*SUPABASE_URL/);
  });
});
