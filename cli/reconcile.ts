/**
 * `artifact-store reconcile [--tenant T] [--type T] [--dry-run] [--grace-minutes N]`: one reconcile pass
 * (shared/operations/reconcile.ts) from this machine, the same work as the scheduled reconcileArtifacts function.
 * Prints the counts as JSON; on a terminal, progress on stderr and, with --verbose, each repair.
 */
import { reconcile } from '../shared/operations/reconcile';
import { cliBlobStore, cliEvents, cliMetadataStore } from './backends';

export interface ReconcileCommandOptions {
  tenant?: string | undefined;
  type?: string | undefined;
  dryRun?: boolean | undefined;
  graceMinutes?: string | undefined;
  verbose?: boolean | undefined;
}

export async function reconcileCommand(options: ReconcileCommandOptions): Promise<void> {
  const grace = options.graceMinutes === undefined ? 60 : Number(options.graceMinutes);
  if (!Number.isInteger(grace) || grace < 0) throw new Error('--grace-minutes must be a whole number >= 0');
  const tty = process.stderr.isTTY;
  const blobs = cliBlobStore();
  const report = await reconcile(
    { blobs, metadata: await cliMetadataStore(), events: cliEvents(blobs) },
    {
      ...(options.tenant ? { tenant: options.tenant } : {}),
      ...(options.type ? { type: options.type } : {}),
      dryRun: options.dryRun === true,
      graceMinutes: grace,
      onProgress: (r) => {
        if (tty) {
          process.stderr.write(
            `\rscanned ${r.scanned}, recorded ${r.recorded}, marked deleted ${r.marked_deleted}, removed ${r.removed}`,
          );
        }
      },
      onAction: (action, fields) => {
        if (options.verbose)
          process.stderr.write(`${tty ? '\r\x1b[K' : ''}${action} ${JSON.stringify(fields)}\n`);
      },
    },
  );
  if (tty) process.stderr.write('\r\x1b[K');
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
