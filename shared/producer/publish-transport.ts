/**
 * How a producer's message reaches the store function: through Pub/Sub (production, or the gcloud emulator),
 * or, on a laptop without the emulator, pushed straight to the store function in the Pub/Sub push format.
 */
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
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

/** gRPC status codes that a retry later can fix. */
const TRANSIENT_GRPC = new Set([4, 8, 10, 13, 14]); // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE
const GRPC_NAMES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

/** A publish Pub/Sub refused for good (topic missing, permission denied, ...): one line, the gRPC code kept. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    message: string,
    readonly grpcCode: number | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** Resolves when a TCP connection to host:port opens within `timeoutMs`; rejects with the reason otherwise. */
function probe(hostPort: string, timeoutMs: number): Promise<void> {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(hostPort.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('ETIMEDOUT'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code ?? err.message));
    });
  });
}

/**
 * Pub/Sub through @google-cloud/pubsub (loaded only when this transport is used; it costs ~300 ms). With the
 * emulator (`emulatorHost`, else PUBSUB_EMULATOR_HOST), the first publish checks that it answers at all, so a
 * down emulator is a TransientError within a couple of seconds instead of the client's long retry loop.
 * Failures are one line: transient gRPC codes as TransientError, the others as PublishError.
 */
export class PubSubTransport implements PublishTransport {
  private topic: Promise<{
    publishMessage(m: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
  }>;
  private client: Promise<{ close(): Promise<void> }>;
  private readonly emulatorHost: string | undefined;
  private reachable: Promise<void> | undefined;
  private readonly topicPath: string;

  /** `emulatorHost` overrides PUBSUB_EMULATOR_HOST (which the client reads by itself). */
  constructor(options: { projectId: string; topic: string; emulatorHost?: string }) {
    this.emulatorHost = options.emulatorHost || process.env.PUBSUB_EMULATOR_HOST || undefined;
    this.topicPath = `projects/${options.projectId}/topics/${options.topic}`;
    const client = import('@google-cloud/pubsub').then(
      ({ PubSub }) =>
        new PubSub({
          projectId: options.projectId,
          ...(this.emulatorHost ? emulatorOptions(this.emulatorHost) : {}),
        }),
    );
    this.client = client;
    this.topic = client.then((c) => c.topic(options.topic));
  }

  async publish(data: Buffer, attributes: Record<string, string>): Promise<string> {
    const emulator = this.emulatorHost;
    if (emulator) {
      this.reachable ??= probe(emulator, 2000).catch((err: Error) => {
        this.reachable = undefined;
        throw new TransientError(
          `the Pub/Sub emulator at ${emulator} is not reachable (${err.message}); start it, or unset PUBSUB_EMULATOR_HOST`,
        );
      });
      await this.reachable;
    }
    try {
      return await (await this.topic).publishMessage({ data, attributes });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const grpc = typeof code === 'number' ? code : undefined;
      const details = String((err as { details?: unknown }).details ?? (err as Error).message).split('\n')[0];
      const what = `publish to ${this.topicPath} failed: ${grpc !== undefined ? `${GRPC_NAMES[grpc] ?? `gRPC ${grpc}`}: ` : ''}${details}`;
      const hint =
        grpc === 5 && emulator
          ? ' (the emulator forgets its topics when it restarts; npm start recreates them)'
          : '';
      if (grpc === undefined ? isNetworkError(err) : TRANSIENT_GRPC.has(grpc))
        throw new TransientError(what, err);
      throw new PublishError(`${what}${hint}`, grpc, err);
    }
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
