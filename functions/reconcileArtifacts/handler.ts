/**
 * The reconcileArtifacts HTTP handler, called by Cloud Scheduler (OIDC-authenticated by the platform): one
 * reconcile pass (shared/operations/reconcile.ts) over the whole bucket, or one tenant / type, answering its counts.
 *
 * `POST /` with an optional JSON body `{tenant?, type?, dry_run?, grace_minutes?}` → 200
 * `{scanned, recorded, marked_deleted, removed, refused, dry_run}`; 400 for a body it does not understand;
 * 500 when storage or the database fail (the next scheduled run resumes the work: reconcile is idempotent).
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { ArtifactTypeName, TenantId } from '../../shared/domain/names';
import { formatIssues } from '../../shared/domain/schema-issues';
import { type ReconcileDeps, reconcile } from '../../shared/operations/reconcile';
import type { Logger } from '../../shared/platform/log';

const ReconcileRequest = z.strictObject({
  tenant: TenantId.optional(),
  type: ArtifactTypeName.optional(),
  dry_run: z.boolean().optional(),
  grace_minutes: z.int().min(0).max(525_600).optional(),
});

export function createReconcileHandler(deps: ReconcileDeps & { graceMinutes: number }, log: Logger) {
  return async function reconcileArtifactsHandler(req: Request, res: Response): Promise<void> {
    if (req.method !== 'POST') {
      res.status(405).set('Allow', 'POST').json({ error: 'use POST' });
      return;
    }
    const parsed = ReconcileRequest.safeParse(req.body && typeof req.body === 'object' ? req.body : {});
    if (!parsed.success) {
      res.status(400).json({ error: `invalid reconcile request: ${formatIssues(parsed.error)}` });
      return;
    }
    const { tenant, type, dry_run, grace_minutes } = parsed.data;
    const started = Date.now();
    try {
      const report = await reconcile(deps, {
        ...(tenant ? { tenant } : {}),
        ...(type ? { type } : {}),
        dryRun: dry_run === true,
        graceMinutes: grace_minutes ?? deps.graceMinutes,
        onAction: (action, fields) =>
          log.info(`reconcile: ${action}`, { event: 'reconcile.action', ...fields }),
      });
      log.info('reconcile done', { event: 'reconcile.done', ...report, duration_ms: Date.now() - started });
      res.status(200).json(report);
    } catch (err) {
      log.error('reconcile failed; the next run resumes it', { event: 'reconcile.failed', error: err });
      res.status(500).json({ error: 'reconcile failed; see the function log' });
    }
  };
}
