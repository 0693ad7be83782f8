/** The CLI commands that talk to artifactsApi (get, list, visual, delete) and `token`. */
import { writeFileSync } from 'node:fs';
import { LOCAL_JWT_SECRET, mintJwt } from '../local/tokens';
import { call, printResponse, segment } from './api-client';
import { env, type Options, str, strings } from './options';
import { UsageError } from './usage-error';

/** get <id> [--inline] [--version N | --alias A]. */
export async function getCommand(id: string, options: Options): Promise<void> {
  const q = new URLSearchParams();
  if (options.inline) q.set('visuals', 'inline');
  const version = str(options, 'version');
  const alias = strings(options, 'alias');
  if (version !== undefined && alias.length > 0)
    throw new UsageError('get takes --version or --alias, not both');
  if (alias.length > 1) throw new UsageError('get takes one --alias');
  if (version !== undefined) q.set('version', version);
  if (alias[0] !== undefined) q.set('alias', alias[0]);
  await printResponse(await call('GET', `/api/artifacts/${segment(id)}${q.size ? `?${q}` : ''}`, options));
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
  const parents = strings(options, 'derived-from');
  if (parents.length > 1) throw new UsageError('list takes one --derived-from');
  if (parents[0]) q.set('derived_from', parents[0]);
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
