/** The local GCS stand-in (see server.ts for how it differs from the real service). */

export { DELETED, type DeliveryOptions, FINALIZED } from './events';
export { type GcsStandIn, type GcsStandInOptions, startGcsStandIn } from './server';
