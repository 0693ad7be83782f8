/**
 * A pull subscription on the Pub/Sub emulator, over its REST API (PUT the subscription, POST `:pull` with
 * returnImmediately, POST `:acknowledge`), as a consumer of the store's events (docs/design.md, "Events")
 * would have one: what the functions really published, as the emulator delivers it.
 */
import type { ArtifactEvent } from '../../shared/domain/artifact-events';

export interface ReceivedEvent {
  ackId: string;
  messageId: string;
  attributes: Record<string, string>;
  body: ArtifactEvent;
}

export interface EventSubscription {
  name: string;
  /** What the emulator has for us now (maybe nothing); not yet acknowledged. */
  pull(): Promise<ReceivedEvent[]>;
  acknowledge(ackIds: string[]): Promise<void>;
  delete(): Promise<void>;
}

interface PulledMessage {
  ackId: string;
  message: { data?: string; attributes?: Record<string, string>; messageId: string };
}

export async function createEventSubscription(options: {
  emulatorHost: string;
  projectId: string;
  topic: string;
  name: string;
}): Promise<EventSubscription> {
  const base = `http://${options.emulatorHost}/v1/projects/${options.projectId}/subscriptions/${options.name}`;
  const call = async (method: string, url: string, body: unknown) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  await call('PUT', base, {
    topic: `projects/${options.projectId}/topics/${options.topic}`,
    ackDeadlineSeconds: 60,
  });
  return {
    name: options.name,
    async pull() {
      const reply = await call('POST', `${base}:pull`, { maxMessages: 100, returnImmediately: true });
      const messages = (reply.receivedMessages ?? []) as PulledMessage[];
      return messages.map(({ ackId, message }) => ({
        ackId,
        messageId: message.messageId,
        attributes: message.attributes ?? {},
        body: JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8')) as ArtifactEvent,
      }));
    },
    async acknowledge(ackIds) {
      if (ackIds.length > 0) await call('POST', `${base}:acknowledge`, { ackIds });
    },
    async delete() {
      await fetch(base, { method: 'DELETE', signal: AbortSignal.timeout(10_000) }).catch(() => {});
    },
  };
}
