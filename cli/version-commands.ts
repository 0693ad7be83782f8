/**
 * The CLI commands for versions, aliases, lineage and status: `versions <id>`, `alias set|rm`, `lineage <id>`,
 * `status <id>`.
 */
import { call, printResponse, segment } from './api-client';
import { type Options, str } from './options';
import { UsageError } from './usage-error';

/** GET /api/artifacts/{id}/{route} with these options as query parameters, printed. */
async function printSubresource(id: string, route: string, names: string[], options: Options): Promise<void> {
  const q = new URLSearchParams();
  for (const name of names) {
    const value = str(options, name);
    if (value) q.set(name, value);
  }
  await printResponse(
    await call('GET', `/api/artifacts/${segment(id)}/${route}${q.size ? `?${q}` : ''}`, options),
  );
}

/** versions <id> [--limit N] [--cursor C]: one page, newest first. */
export async function versionsCommand(id: string, options: Options): Promise<void> {
  await printSubresource(id, 'versions', ['limit', 'cursor'], options);
}

/** lineage <id> [--direction up|down|both] [--depth 1-5]: the graph, as the API answers it. */
export async function lineageCommand(id: string, options: Options): Promise<void> {
  await printSubresource(id, 'lineage', ['direction', 'depth'], options);
}

/** alias set <id> <alias> <version> | alias rm <id> <alias>. */
export async function aliasCommand(args: string[], options: Options): Promise<void> {
  const [sub, id, alias, version] = args;
  const path = () => `/api/artifacts/${segment(id!)}/aliases/${segment(alias!)}`;
  if (sub === 'set' && id && alias && version) {
    if (!/^[1-9][0-9]*$/.test(version)) throw new UsageError(`alias set: ${version} is not a version number`);
    return printResponse(await call('PUT', path(), options, { version: Number(version) }));
  }
  if (sub === 'rm' && id && alias && !version) {
    const res = await call('DELETE', path(), options);
    if (res.status === 204) process.stdout.write(`alias ${alias} removed\n`);
    else await printResponse(res);
    return;
  }
  throw new UsageError('alias set <id> <alias> <version> | alias rm <id> <alias>');
}

/** status <id>: stored (with the version), rejected (with the error code), deleted, or unknown. */
export async function statusCommand(id: string, options: Options): Promise<void> {
  await printResponse(await call('GET', `/api/artifacts/${segment(id)}/status`, options));
}
