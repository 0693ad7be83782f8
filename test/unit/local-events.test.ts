/**
 * Events in the local stack are on only with the Pub/Sub emulator (local/events-env.ts), and a function
 * without ARTIFACT_EVENTS_TOPIC builds no publisher: its events are the no-op NO_EVENTS, so the store does
 * no work for them (docs/design.md, "Events").
 */
import { describe, expect, it } from 'vitest';
import { functionEventsEnv } from '../../local/events-env';
import { NO_EVENTS, PubSubRestPublisher } from '../../shared/adapters/event-publisher';
import { createStores } from '../../shared/adapters/stores';

const config = {
  ARTIFACT_BUCKET: 'unit-artifacts',
  SUPABASE_URL: 'http://127.0.0.1:9',
  SUPABASE_SERVICE_ROLE_KEY: 'unit-service-role-key-0123456789',
};

describe('local events', () => {
  it('are off without the emulator, whatever the topic', () => {
    expect(functionEventsEnv({ eventsTopic: 'artifact-store-events' })).toEqual({});
    expect(functionEventsEnv({ pubsubEmulatorHost: '127.0.0.1:8085' })).toEqual({});
    expect(functionEventsEnv({ pubsubEmulatorHost: '127.0.0.1:8085', eventsTopic: 'ev' })).toEqual({
      ARTIFACT_EVENTS_TOPIC: 'ev',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
    });
  });

  it('without a topic, a function publishes through the no-op, with one through the REST publisher', () => {
    expect(createStores(config).events).toBe(NO_EVENTS);
    expect(createStores({ ...config, PUBSUB_EMULATOR_HOST: '127.0.0.1:8085' }).events).toBe(NO_EVENTS);
    const on = createStores({
      ...config,
      ARTIFACT_EVENTS_TOPIC: 'ev',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:8085',
    });
    expect(on.events).toBeInstanceOf(PubSubRestPublisher);
  });
});
