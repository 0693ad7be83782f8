/** The CLI commands that talk to artifactsApi (get, list, visual, delete) and `token`. */
import { writeFileSync } from 'node:fs';
import { LOCAL_JWT_SECRET, mintJwt } from '../local/tokens';
import { apiUrl, env, type Options, str } from './options';
import { withProgress } from './progress';

async function tokenFor(options: Options): Promise<string> {
  if (env.ARTIFACT_STORE_TOKEN) return env.ARTIFACT_STORE_TOKEN;
  const tenant = str(options, 'tenant') ?? 'tenant-demo';
  return mintJwt(
    { sub: 'artifact-store-cli', role: 'authenticated', app_metadata: { tenant_id: tenant } },
    env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET,
    { expiresIn: '10m' },
  );
}

class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

async function call(method: string, path: string, options: Options): Promise<Response> {
  const url = `${apiUrl()}${path}`;
  const authorization = `Bearer ${await tokenFor(options)}`;
  try {
    return await withProgress(`${method} ${url}`, () => fetch(url, { method, headers: { authorization } }));
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ApiUnreachable(`no artifact store answers at ${apiUrl()} (${code})`);
  }
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

const segment = (value: string) => encodeURIComponent(value);

export async function getCommand(id: string, options: Options): Promise<void> {
  await printResponse(
    await call('GET', `/api/artifacts/${segment(id)}${options.inline ? '?visuals=inline' : ''}`, options),
  );
}

export async function listCommand(options: Options): Promise<void> {
  const q = new URLSearchParams();
  const params: Array<[string, string]> = [
    ['type', 'artifact_type'],
    ['execution', 'execution_id'],
    ['session', 'session_id'],
    ['limit', 'limit'],
    ['cursor', 'cursor'],
  ];
  for (const [option, param] of params) {
    const value = str(options, option);
    if (value) q.set(param, value);
  }
  await printResponse(await call('GET', `/api/artifacts${q.size ? `?${q}` : ''}`, options));
}

export async function visualCommand(id: string, name: string, options: Options): Promise<void> {
  const res = await call('GET', `/api/artifacts/${segment(id)}/visuals/${segment(name)}`, options);
  const out = str(options, 'out');
  if (!res.ok || !out) return printResponse(res);
  writeFileSync(out, Buffer.from(await res.arrayBuffer()));
  process.stdout.write(
    `${out}: ${res.headers.get('content-type')}, ${res.headers.get('content-length')} bytes\n`,
  );
}

export async function deleteCommand(id: string, options: Options): Promise<void> {
  const res = await call('DELETE', `/api/artifacts/${segment(id)}`, options);
  if (res.status === 204) process.stdout.write('deleted\n');
  else await printResponse(res);
}

export async function tokenCommand(options: Options): Promise<void> {
  const tenant = str(options, 'tenant');
  if (!tenant && !options['service-role']) throw new Error('token needs --tenant (or --service-role)');
  const claims = options['service-role']
    ? { role: 'service_role', iss: 'artifact-store-cli' }
    : { sub: 'artifact-store-cli', role: 'authenticated', app_metadata: { tenant_id: tenant } };
  const token = await mintJwt(claims, env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET, {
    expiresIn: str(options, 'ttl') ?? '1h',
  });
  process.stdout.write(`${token}\n`);
}
