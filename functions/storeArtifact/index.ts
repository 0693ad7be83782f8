/**
 * storeArtifact: Pub/Sub-triggered (messagePublished) Cloud Function. Configuration is validated at cold
 * start; a bad one fails the start with every problem named.
 */
import * as functions from '@google-cloud/functions-framework';
import { createStores } from '../../shared/adapters/stores';
import { loadPolicy } from '../../shared/domain/materialization-policy';
import { loadConfig, StoreArtifactConfig } from '../../shared/platform/config';
import { createLogger } from '../../shared/platform/log';
import { outsideRequestDomain } from '../../shared/platform/request-domain';
import { createStoreArtifactHandler } from './handler';

const config = loadConfig(StoreArtifactConfig, process.env, 'storeArtifact configuration');
const log = createLogger({ function: 'storeArtifact' });

functions.cloudEvent(
  'storeArtifact',
  // Outside the framework's per-request domain: nothing long-lived keeps a push alive (request-domain.ts).
  outsideRequestDomain(
    createStoreArtifactHandler(
      {
        ...createStores(config),
        policy: loadPolicy(process.env),
        limits: {
          maxArtifactBytes: config.MAX_ARTIFACT_BYTES,
          maxVisualBytes: config.MAX_VISUAL_BYTES,
          maxVisuals: config.MAX_VISUALS,
        },
        now: () => new Date(),
      },
      log,
    ),
  ),
);
