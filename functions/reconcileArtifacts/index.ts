/**
 * reconcileArtifacts: HTTP Cloud Function, run on a schedule by Cloud Scheduler (terraform/reconcile.tf),
 * repairing drift between the bucket and the rows. The same work as `artifact-store reconcile`.
 */
import * as functions from '@google-cloud/functions-framework';
import { createStores } from '../../shared/adapters/stores';
import { loadConfig, ReconcileArtifactsConfig } from '../../shared/platform/config';
import { createLogger } from '../../shared/platform/log';
import { createReconcileHandler } from './handler';

const config = loadConfig(ReconcileArtifactsConfig, process.env, 'reconcileArtifacts configuration');

functions.http(
  'reconcileArtifacts',
  createReconcileHandler(
    { ...createStores(config), graceMinutes: config.RECONCILE_GRACE_MINUTES },
    createLogger({ function: 'reconcileArtifacts' }),
  ),
);
