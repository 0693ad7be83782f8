/**
 * syncArtifactMetadata: Cloud Storage-triggered (object finalized / deleted, via Eventarc) Cloud Function,
 * deployed once per event type. Configuration is validated at cold start.
 */
import * as functions from '@google-cloud/functions-framework';
import { createStores } from '../../shared/adapters/stores';
import { loadConfig, SyncArtifactMetadataConfig } from '../../shared/platform/config';
import { createLogger } from '../../shared/platform/log';
import { createSyncHandler } from './handler';

const config = loadConfig(SyncArtifactMetadataConfig, process.env, 'syncArtifactMetadata configuration');

functions.cloudEvent(
  'syncArtifactMetadata',
  createSyncHandler(createStores(config), createLogger({ function: 'syncArtifactMetadata' })),
);
