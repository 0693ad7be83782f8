/**
 * `npx artifact-store <command>`: drive the artifact store by hand, locally or against a deployment.
 *
 *   publish <file>   publish a store request (or a bare artifact with --type and --tenant); --revise,
 *                    --alias; --wait for the outcome (exit 3: refused, 4: no outcome in time)
 *   get <id>         print an artifact (--inline puts the images back; --version N or --alias A)
 *   versions <id>    list an artifact's versions; alias set|rm: point an alias at a version, remove it
 *   lineage <id>     what an artifact was made from and what was made from it
 *   status <id>      what became of an artifact id (stored, rejected, deleted, unknown)
 *   list             list the tenant's artifacts (--type, --execution, --session, --derived-from, --limit,
 *                    --cursor)
 *   visual <id> <name> -o <file>   save one visual's bytes
 *   delete <id>      delete an artifact
 *   token            print a JWT for a tenant, signed with SUPABASE_JWT_SECRET (local default)
 *   reconcile        repair drift between the bucket and the rows (cli/reconcile.ts)
 *   quarantine       list, show and replay what the store refused (cli/quarantine.ts)
 *
 * Environment: ARTIFACTS_API_URL, ARTIFACT_STORE_TOKEN (else a token is minted for --tenant with
 * SUPABASE_JWT_SECRET), GOOGLE_CLOUD_PROJECT, ARTIFACT_STORE_TOPIC, PUBSUB_EMULATOR_HOST, STORE_FUNCTION_URL,
 * ARTIFACT_STORE_TRANSPORT (pubsub | push), ARTIFACT_BUCKET and GCS_API_ENDPOINT (staging of large payloads).
 * Unset values default to the local stack's (local/defaults.ts).
 *
 * Run as a bundle (bin/artifact-store.js builds dist/cli/ on demand): this entry loads only what the command
 * needs, so `--help` and `token` start in a few tens of milliseconds and `publish` pays for its SDKs alone.
 */
import { parseArgs } from 'node:util';
import type { Options } from './options';
import { UsageError } from './usage-error';

const USAGE = `usage: artifact-store <command> [options]

  publish <file> [--type T --tenant X] [--persist] [--retention-days N] [--id UUID] [--key K] [--strict-type]
          [--revise N|latest] [--alias A]... [--derived-from ID[@N]]... [--wait [--timeout S]]
  get <id> [--inline] [--version N | --alias A] [--tenant X]
  versions <id> [--limit N] [--cursor C] [--tenant X]
  alias set <id> <alias> <version> [--tenant X]
  alias rm <id> <alias> [--tenant X]
  lineage <id> [--direction up|down|both] [--depth 1-5] [--tenant X]
  status <id> [--tenant X]
  list [--type T] [--execution E] [--session S] [--derived-from ID] [--limit N] [--cursor C] [--tenant X]
  visual <id> <name> --out <file> [--tenant X]
  delete <id> [--tenant X]
  token --tenant X [--service-role] [--ttl 1h]
  reconcile [--tenant T] [--type T] [--dry-run] [--grace-minutes N] [--verbose]
  quarantine list [--day YYYY-MM-DD] [--code C] [--replayed]
  quarantine show <path>...
  quarantine replay <path>... | --code C [--day YYYY-MM-DD]

publish warns when the local stack's materialization policy will not keep the artifact (add --persist),
and when --type is not a known type (--strict-type makes that an error). --revise N publishes version N+1
of the artifact (--id or --key name it; latest: after whatever is latest), --alias points aliases at it,
--derived-from records what it was made from (a parent's latest version unless @N names one).
publish --wait polls the artifact's status until it is known (default --timeout 60 seconds) and adds it to
the result as "outcome". Exit codes: 0 done (with --wait: stored), 1 error, 2 usage, 3 refused (--wait:
rejected, with its error code, or the id is deleted), 4 no outcome within the timeout (--wait: not stored
yet; the policy may not keep it, or it is still on its way).
`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string' },
      tenant: { type: 'string' },
      persist: { type: 'boolean' },
      'retention-days': { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      'strict-type': { type: 'boolean' },
      revise: { type: 'string' },
      alias: { type: 'string', multiple: true },
      'derived-from': { type: 'string', multiple: true },
      direction: { type: 'string' },
      depth: { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      version: { type: 'string' },
      inline: { type: 'boolean' },
      execution: { type: 'string' },
      session: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'service-role': { type: 'boolean' },
      ttl: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'grace-minutes': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      day: { type: 'string' },
      code: { type: 'string' },
      replayed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const options: Options = values;
  const [command, ...args] = positionals;
  const need = (i: number, what: string) => {
    const v = args[i];
    if (!v) throw new UsageError(`${command} needs ${what}`);
    return v;
  };
  switch (values.help ? 'help' : command) {
    case 'publish':
      return (await import('./publish-command')).publishCommand(need(0, 'a file'), options);
    case 'get':
      return (await import('./api-commands')).getCommand(need(0, 'an artifact id'), options);
    case 'list':
      return (await import('./api-commands')).listCommand(options);
    case 'visual':
      return (await import('./api-commands')).visualCommand(
        need(0, 'an artifact id'),
        need(1, 'a visual name'),
        options,
      );
    case 'delete':
      return (await import('./api-commands')).deleteCommand(need(0, 'an artifact id'), options);
    case 'versions':
      return (await import('./version-commands')).versionsCommand(need(0, 'an artifact id'), options);
    case 'alias':
      return (await import('./version-commands')).aliasCommand(args, options);
    case 'lineage':
      return (await import('./version-commands')).lineageCommand(need(0, 'an artifact id'), options);
    case 'status':
      return (await import('./version-commands')).statusCommand(need(0, 'an artifact id'), options);
    case 'token':
      return (await import('./api-commands')).tokenCommand(options);
    case 'reconcile':
      return (await import('./reconcile')).reconcileCommand({
        tenant: values.tenant,
        type: values.type,
        dryRun: values['dry-run'],
        graceMinutes: values['grace-minutes'],
        verbose: values.verbose,
      });
    case 'quarantine': {
      const { transport } = await import('./publish-command');
      return (await import('./quarantine')).quarantineCommand(
        args[0],
        args.slice(1),
        values,
        () => transport().transport,
      );
    }
    default:
      process.stdout.write(USAGE);
      if (command && command !== 'help') {
        process.stderr.write(`artifact-store: unknown command ${command}\n`);
        process.exitCode = 2;
      }
  }
}

main(process.argv.slice(2)).catch(async (err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`artifact-store: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { describeError } = await import('./describe-error');
  process.stderr.write(`artifact-store: ${describeError(err)}\n`);
  process.exitCode = 1;
});
