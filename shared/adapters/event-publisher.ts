/**
 * Publishing the store's events (shared/domain/artifact-events.ts) to ARTIFACT_EVENTS_TOPIC through the
 * Pub/Sub REST API (`POST .../topics/{topic}:publish`) with fetch: the functions do not load the Pub/Sub
 * client library, which would cost ~300 ms of cold start for one call (docs/design.md, "Events"). Against the
 * emulator (PUBSUB_EMULATOR_HOST) without credentials; on Google Cloud with the function's own access token.
 *
 * A failure is a TransientError: the handler that publishes after committing its fact is retried, and the
 * event published again (at least once; consumers dedupe on event_id).
 */
import type { ArtifactEvent } from '../domain/artifact-events';
import { isNetworkError, isRetryableStatus, TransientError } from '../domain/errors';

export interface EventPublisher {
  publish(event: ArtifactEvent): Promise<void>;
}

/** Publishes nothing: ARTIFACT_EVENTS_TOPIC is not set. */
export const NO_EVENTS: EventPublisher = { publish: async () => {} };

export interface PubSubRestOptions {
  projectId: string;
  /** A topic name, or its full path `projects/{p}/topics/{t}`. */
  topic: string;
  /** host:port of the emulator; unset on Google Cloud. */
  emulatorHost?: string | undefined;
  /** An OAuth access token for pubsub.googleapis.com (not asked for with the emulator). */
  accessToken?: () => Promise<string | null | undefined>;
  timeoutMs?: number;
}

export class PubSubRestPublisher implements EventPublisher {
  private readonly url: string;

  constructor(private readonly options: PubSubRestOptions) {
    const path = options.topic.startsWith('projects/')
      ? options.topic
      : `projects/${options.projectId}/topics/${options.topic}`;
    const base = options.emulatorHost ? `http://${options.emulatorHost}` : 'https://pubsub.googleapis.com';
    this.url = `${base}/v1/${path}:publish`;
  }

  async publish(event: ArtifactEvent): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!this.options.emulatorHost && this.options.accessToken) {
      const token = await this.options.accessToken();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    const body = JSON.stringify({
      messages: [
        {
          data: Buffer.from(JSON.stringify(event)).toString('base64'),
          attributes: { event: event.event, tenant_id: event.tenant_id, artifact_type: event.artifact_type },
        },
      ],
    });
    let status: number;
    let text = '';
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new TransientError(
        `event ${event.event} not published: ${isNetworkError(err) ? 'no response' : String(err)}`,
        err,
      );
    }
    if (status >= 200 && status < 300) return;
    const detail = `HTTP ${status}: ${text.slice(0, 200)}`;
    // Every failure is retried (a wrong topic or permission is a configuration fault, not the event's).
    throw new TransientError(
      `event ${event.event} not published (${isRetryableStatus(status) ? 'unavailable' : 'refused'}, ${detail})`,
    );
  }
}
