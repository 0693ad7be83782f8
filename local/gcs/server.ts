/**
 * A local stand-in for the Google Cloud Storage JSON API: the calls GcsBlobStore makes through
 * @google-cloud/storage, served by node:http with GCS's wire formats, over one bucket kept as files on disk,
 * posting `finalized` / `deleted` CloudEvents to the configured targets as Eventarc delivers them to a
 * gen2 function. Dev and test tool only (docs/design.md, "Local stack"); production talks to GCS.
 *
 * Real clients are the judge: @google-cloud/storage (GcsBlobStore, test/contract) and the gcloud CLI
 * (`gcloud storage ls / cp / cat / rm`, test/local/gcloud-storage.test.ts).
 *
 * How it differs from the real service:
 * - One bucket only, the configured one, present from the start; any other bucket is 404 notFound (and
 *   `dead-letter` / `pending-events` cannot be its name: the event records live there). The bucket list
 *   (`GET /storage/v1/b?project=P`, any project) holds just it; `GET /storage/v1/b/{b}` is a fixed resource.
 *   No bucket creation or update, IAM, ACLs, lifecycle rules (objects with a `customTime` are never
 *   expired), retention, holds, CMEK/CSEK, requester pays, soft delete, managed folders or hierarchical
 *   namespace.
 * - No authentication or authorization: the Authorization header is ignored; `userProject` is ignored.
 * - Uploads: `uploadType=multipart` (boundary quoted with `"` or `'`, CRLF or bare-LF framing as gcloud
 *   sends it) and `media`, held in memory and capped at 256 MiB; resumable sessions (resumable.ts) are kept
 *   in memory, so they do not survive a restart of the stand-in. No gzip transcoding, no compose, copy or
 *   rewrite. Metadata updates: PATCH only (custom metadata merged, a null value removes a key; contentType,
 *   customTime, cacheControl, contentDisposition, contentLanguage replaced), no PUT update, no
 *   `metadataUpdated` event.
 * - No object versioning: only the live generation exists; an overwritten or deleted generation is gone
 *   (a `generation` other than the live one is 404). `versions=true`, `startOffset`, `endOffset` and
 *   `matchGlob` in listings are rejected with a 400; `includeFoldersAsPrefixes` is accepted and changes
 *   nothing (there are no folders); `projection` and `fields` are ignored (the full resource is always
 *   returned).
 * - Generations are microsecond timestamps made strictly increasing by this process (also across restarts,
 *   from the highest stored one); GCS only promises that they differ.
 * - Page tokens are base64url JSON of the last name a page consumed; they stay valid forever and do not
 *   check that the prefix/delimiter match the first request.
 * - Downloads: a single `Range` is honoured (206, or 416 when unsatisfiable); multiple ranges are ignored
 *   (200 with the whole object). `x-goog-hash` always describes the whole object. ETag is the JSON API
 *   etag, not the XML API MD5 one.
 * - Error bodies have GCS's shape and reasons (notFound, conditionNotMet, invalid, required, ...), but the
 *   messages are not guaranteed to be GCS's word for word; unknown paths get a JSON 404.
 * - Events: sent straight to each target (no Pub/Sub, no Eventarc trigger filters or IAM/OIDC token), in
 *   order per object (real delivery is unordered) with up to 16 objects in flight per target; retried for
 *   5xx/408/409/429/timeouts/network errors with backoff from 1 s, doubling, capped at 60 s, with jitter, for
 *   24 h (Eventarc: 10 s to 600 s, 24 h); any other non-2xx answer is dead-lettered at once (Eventarc
 *   Standard would retry it too). What is given up on goes to `{dataDir}/dead-letter/` (Eventarc: dropped,
 *   or a dead-letter topic); events still pending at close are kept on disk and delivered after the next
 *   start (events.ts). An overwrite emits `finalized` for the new generation, then `deleted` for the
 *   overwritten one. No `archived` / `metadataUpdated` events. `ce-subject`, `ce-source` and `ce-bucket` are
 *   percent-encoded per the CloudEvents HTTP binding (space, '"', '%' and non-ASCII), so read the name from
 *   the body.
 * - Atomic within one process only (per-name locks); two stand-ins must not share a data directory.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { DEAD_LETTER_DIR, PENDING_DIR } from './event-files';
import { type DeliveryOptions, type EventDelivery, EventDispatcher } from './events';
import { ObjectStore } from './object-store';
import { ResumableUploads } from './resumable';
import { handleRequest, publishCreated } from './routes';

export interface GcsStandInOptions {
  port: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Objects are kept under `{dataDir}/{bucket}/`, event records under `{dataDir}/pending-events/` and
   * `{dataDir}/dead-letter/`. */
  dataDir: string;
  bucket: string;
  /** Accepted for symmetry with the real client configuration; nothing depends on it. */
  projectId?: string;
  /** URLs that receive the bucket's CloudEvents (e.g. the syncArtifactMetadata function). */
  eventTargets?: string[];
  /** Where log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Event delivery (defaults: 16 in flight per target, backoff 1 s doubling to 60 s, 24 h budget). */
  eventDelivery?: DeliveryOptions;
}

export interface GcsStandIn {
  /** Base URL, to pass to `new Storage({ apiEndpoint })`. */
  url: string;
  close(): Promise<void>;
  /** Resolves when no CloudEvent delivery is queued, in flight or retrying. */
  eventsIdle(): Promise<void>;
  /** Counts, dead letters and their re-drive. */
  events: EventDelivery;
}

/** Bucket names GCS accepts (without the dotted-name length rules); they become a directory name. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export async function startGcsStandIn(options: GcsStandInOptions): Promise<GcsStandIn> {
  if (!BUCKET_NAME.test(options.bucket)) throw new Error(`Invalid bucket name: ${options.bucket}`);
  if (options.bucket === DEAD_LETTER_DIR || options.bucket === PENDING_DIR)
    throw new Error(
      `The local GCS stand-in keeps its event records in ${options.bucket}/: pick another bucket`,
    );
  const log = options.log ?? ((line: string) => process.stderr.write(`[gcs] ${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const store = await ObjectStore.open(join(options.dataDir, options.bucket), options.bucket);
  const events = await EventDispatcher.open(
    options.dataDir,
    options.eventTargets ?? [],
    log,
    options.eventDelivery,
  );
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${options.port}`;
  const target = { events, bucket: options.bucket, baseUrl: url };
  const uploads = new ResumableUploads(store, options.bucket, url, (created, replaced) =>
    publishCreated(target, created, replaced),
  );
  const ctx = {
    ...target,
    store,
    uploads,
    projectId: options.projectId ?? 'local-project',
    log,
    startedAt: new Date().toISOString(),
  };
  const server = createServer((req, res) => {
    void handleRequest(ctx, req, res);
  });
  try {
    await listen(server, options.port, host);
  } catch (err) {
    await events.close();
    throw err;
  }
  log(`serving bucket ${options.bucket} (${store.size} objects) at ${url}`);
  let closed: Promise<void> | undefined;
  return {
    url,
    eventsIdle: () => events.idle(),
    events,
    close() {
      closed ??= Promise.all([
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeAllConnections();
        }),
        events.close(),
      ]).then(() => undefined);
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
