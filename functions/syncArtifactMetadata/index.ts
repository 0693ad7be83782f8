/**
 * syncArtifactMetadata: Cloud Storage-triggered (object finalized / deleted, via Eventarc) Cloud Function,
 * deployed once per event type. Configuration is validated at cold start.
 */
import * as functions from '@google-cloud/functions-framework';
import { createStores } from '../../shared/adapters/stores';
import { loadConfig, SyncArtifactMetadataConfig } from '../../shared/platform/config';
import { createLogger } from '../../shared/platform/log';
import { outsideRequestDomain } from '../../shared/platform/request-domain';
import { createSyncHandler } from './handler';

const config = loadConfig(SyncArtifactMetadataConfig, process.env, 'syncArtifactMetadata configuration');

functions.cloudEvent(
  'syncArtifactMetadata',
  // Outside the framework's per-request domain (request-domain.ts).
  outsideRequestDomain(
    createSyncHandler(createStores(config), createLogger({ function: 'syncArtifactMetadata' })),
  ),
);
