/**
 * Whether the local stack's functions publish their events (docs/design.md, "Events"), and where: only with
 * the Pub/Sub emulator, on `eventsTopic` there. Without the emulator, events are off: nothing local could
 * receive them, and ARTIFACT_EVENTS_TOPIC alone would send them to pubsub.googleapis.com. Off, the functions
 * get no ARTIFACT_EVENTS_TOPIC and build no publisher (createStores: NO_EVENTS).
 */
export function functionEventsEnv(options: {
  pubsubEmulatorHost?: string | undefined;
  eventsTopic?: string | undefined;
}): { ARTIFACT_EVENTS_TOPIC: string; PUBSUB_EMULATOR_HOST: string } | Record<string, never> {
  if (!options.pubsubEmulatorHost || !options.eventsTopic) return {};
  return { ARTIFACT_EVENTS_TOPIC: options.eventsTopic, PUBSUB_EMULATOR_HOST: options.pubsubEmulatorHost };
}
