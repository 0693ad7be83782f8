/** The local GCS stand-in (see server.ts for how it differs from the real service). */

export { DELETED, FINALIZED } from './cloud-event';
export { type DeliveryOptions, deliveryOptionsFromEnv } from './delivery-options';
export type { DeadLetter, PendingEvent } from './event-files';
export type { EventDelivery, EventStats } from './events';
export { type GcsStandIn, type GcsStandInOptions, startGcsStandIn } from './server';
