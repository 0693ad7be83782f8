/**
 * The producer side, for orchestrators: `publishArtifact()` validates a store request exactly as the store
 * function will (schema, type schema, visuals), fixes its artifact id up front, stages payloads too large for
 * a Pub/Sub message under `staging/{tenant}/` (claim check), and publishes. With `wait`, it then polls the
 * API's status route and reports the outcome (wait-status.ts): stored (with the version), rejected (with the
 * error code), deleted, or unknown at the timeout.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../adapters/blob-store';
import { PermanentError } from '../domain/errors';
import { resolveArtifactId } from '../domain/ids';
import { type ArtifactKey, stagingPath } from '../domain/paths';
import { parseArtifact, parseStoreRequest, type StoreRequestInput } from '../domain/store-request';
import { extractVisuals } from '../domain/visuals';
import type { PublishTransport } from './publish-transport';
import { currentVersion, type PublishOutcome, type WaitOptions, waitForOutcome } from './wait-status';

export type { PublishOutcome, WaitOptions } from './wait-status';

/** Pub/Sub allows 10 MB per message; above this the payload is staged and referenced. */
export const DEFAULT_INLINE_LIMIT_BYTES = 8 * 1024 * 1024;

export interface PublishOptions {
  transport: PublishTransport;
  /** Needed only for payloads above the inline limit. */
  blobs?: BlobStore;
  inlineLimitBytes?: number;
  /** Poll artifactsApi for the outcome after publishing (docs/design.md, "Status"). */
  wait?: WaitOptions;
}

export interface PublishResult {
  artifact_id: string;
  message_id: string;
  /** Object name of the staged payload, when the artifact was sent by reference. */
  staged?: string;
  /** With `wait`: what became of it (never a throw for a rejection: the caller decides). */
  outcome?: PublishOutcome;
}

export async function publishArtifact(
  input: StoreRequestInput,
  options: PublishOptions,
): Promise<PublishResult> {
  // The id must be known before publishing: without an explicit id or idempotency key, choose one now.
  const withId: StoreRequestInput =
    input.artifact_id || input.idempotency_key ? input : { ...input, artifact_id: randomUUID() };
  const request = parseStoreRequest({ version: 1, ...withId });
  const artifactId = resolveArtifactId(request);
  const key: ArtifactKey = {
    artifact_type: request.artifact_type,
    tenant_id: request.tenant_id,
    artifact_id: artifactId,
  };
  if (request.artifact) extractVisuals(parseArtifact(request.artifact_type, request.artifact), key);

  // The version the stored one must exceed: the revised one, or (latest) whatever is latest before publishing.
  const { wait } = options;
  const expected = request.expected_version;
  let after = 0;
  if (wait && expected === 'latest') after = await currentVersion(wait, artifactId, request.tenant_id);
  else if (wait && typeof expected === 'number') after = expected;

  const attributes = {
    artifact_type: request.artifact_type,
    tenant_id: request.tenant_id,
    artifact_id: artifactId,
  };
  let body = Buffer.from(JSON.stringify(request));
  let staged: string | undefined;
  const limit = options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT_BYTES;
  if (body.length > limit && request.artifact) {
    if (!options.blobs) {
      throw new PermanentError(
        'PAYLOAD_TOO_LARGE',
        `request of ${body.length} bytes needs staging, but no blob store was given`,
      );
    }
    const name = `${artifactId}.json`;
    staged = stagingPath(request.tenant_id, name);
    await options.blobs.putIfAbsent(staged, Buffer.from(JSON.stringify(request.artifact)), {
      contentType: 'application/json',
    });
    const { artifact: _artifact, ...rest } = request;
    body = Buffer.from(JSON.stringify({ ...rest, artifact_ref: { name } }));
  }
  const messageId = await options.transport.publish(body, attributes);
  const result: PublishResult = {
    artifact_id: artifactId,
    message_id: messageId,
    ...(staged ? { staged } : {}),
  };
  if (wait) result.outcome = await waitForOutcome(wait, artifactId, request.tenant_id, after, messageId);
  return result;
}
