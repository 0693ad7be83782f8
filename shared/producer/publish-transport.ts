/**
 * How a producer's message reaches the store function: through Pub/Sub (production, or the gcloud emulator),
 * or, on a laptop without the emulator, pushed straight to the store function in the Pub/Sub push format.
 */
import { randomInt } from 'node:crypto';
import { isNetworkError, isRetryableStatus, TransientError } from '../domain/errors';

export interface PublishTransport {
  /** Publishes one message; resolves with its message id. */
  publish(data: Buffer, attributes: Record<string, string>): Promise<string>;
  close?(): Promise<void>;
}

/**
 * Client options for the gcloud emulator. The universe domain is given so the client does not probe the GCE
 * metadata server to find one (a MetadataLookupWarning and a delay off Google Cloud).
 */
export function emulatorOptions(host: string) {
  return { apiEndpoint: host, emulatorMode: true, universeDomain: 'googleapis.com' };
}

/** Pub/Sub through @google-cloud/pubsub (loaded only when this transport is used; it costs ~300 ms). */
export class PubSubTransport implements PublishTransport {
  private topic: Promise<{
    publishMessage(m: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
  }>;
  private client: Promise<{ close(): Promise<void> }>;

  /** `emulatorHost` overrides PUBSUB_EMULATOR_HOST (which the client reads by itself). */
  constructor(options: { projectId: string; topic: string; emulatorHost?: string }) {
    const client = import('@google-cloud/pubsub').then(
      ({ PubSub }) =>
        new PubSub({
          projectId: options.projectId,
          ...(options.emulatorHost ? emulatorOptions(options.emulatorHost) : {}),
        }),
    );
    this.client = client;
    this.topic = client.then((c) => c.topic(options.topic));
  }

  async publish(data: Buffer, attributes: Record<string, string>): Promise<string> {
    return (await this.topic).publishMessage({ data, attributes });
  }

  async close(): Promise<void> {
    await (await this.client).close();
  }
}

/**
 * A Pub/Sub push delivery, POSTed to `{url}/projects/{project}/topics/{topic}` as a push subscription would
 * (functions-framework turns it into the same messagePublished CloudEvent). Retries on 5xx and connection
 * errors a few times, as Pub/Sub would, then gives up with a TransientError.
 */
export class PushTransport implements PublishTransport {
  constructor(
    private readonly options: {
      url: string;
      projectId: string;
      topic: string;
      attempts?: number;
      fetch?: typeof fetch;
    },
  ) {}

  async publish(data: Buffer, attributes: Record<string, string>): Promise<string> {
    const { url, projectId, topic } = this.options;
    const messageId = String(randomInt(1e9, 1e12)) + String(randomInt(1e5, 1e6));
    const body = JSON.stringify({
      message: {
        data: data.toString('base64'),
        attributes,
        messageId,
        message_id: messageId,
        publishTime: new Date().toISOString(),
      },
      subscription: `projects/${projectId}/subscriptions/${topic}-push`,
    });
    const endpoint = `${url.replace(/\/$/, '')}/projects/${projectId}/topics/${topic}`;
    const attempts = this.options.attempts ?? 5;
    const doFetch = this.options.fetch ?? fetch;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await doFetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (res.ok) return messageId;
        last = new Error(`push to ${endpoint} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        if (!isRetryableStatus(res.status)) throw last;
      } catch (err) {
        if (err === last) throw err;
        if (!isNetworkError(err)) throw err;
        last = err;
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
    }
    throw new TransientError(`push to ${endpoint} failed after ${attempts} attempts`, last);
  }
}
