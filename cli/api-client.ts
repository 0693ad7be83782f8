/** How the CLI talks to artifactsApi: the bearer token, one request (with a JSON body), printing the answer. */
import { LOCAL_JWT_SECRET, mintJwt } from '../local/tokens';
import { apiUrl, env, type Options, str } from './options';
import { withProgress } from './progress';

/** ARTIFACT_STORE_TOKEN, else a token minted for `tenant` (or --tenant, else tenant-demo). */
export async function tokenFor(options: Options, tenant?: string): Promise<string> {
  if (env.ARTIFACT_STORE_TOKEN) return env.ARTIFACT_STORE_TOKEN;
  return mintJwt(
    {
      sub: 'artifact-store-cli',
      role: 'authenticated',
      app_metadata: { tenant_id: tenant ?? str(options, 'tenant') ?? 'tenant-demo' },
    },
    env.SUPABASE_JWT_SECRET ?? LOCAL_JWT_SECRET,
    { expiresIn: '10m' },
  );
}

export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

/** One request to the API; `body` is sent as JSON. */
export async function call(
  method: string,
  path: string,
  options: Options,
  body?: unknown,
): Promise<Response> {
  const url = `${apiUrl()}${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor(options)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await withProgress(`${method} ${url}`, () =>
      fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }),
    );
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ApiUnreachable(`no artifact store answers at ${apiUrl()} (${code})`);
  }
}

/** A JSON answer, indented, on stdout; an error answer on stderr, with exit code 1. */
export async function printResponse(res: Response): Promise<void> {
  const text = await res.text();
  if (!res.ok) {
    process.stderr.write(`${res.status} ${text}\n`);
    process.exitCode = 1;
    return;
  }
  if (text) process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
}

export const segment = (value: string) => encodeURIComponent(value);
