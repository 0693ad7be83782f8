/**
 * The storeArtifact CloudEvent handler: one Pub/Sub message in, one decision out.
 * - success and ephemeral: return (2xx, the message is acknowledged), one structured log line;
 * - PermanentError: the message is quarantined with its error_code, logged once, and acknowledged;
 * - anything else: rethrown, so Pub/Sub redelivers (and finally dead-letters) it.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { NO_EVENTS } from '../../shared/adapters/event-publisher';
import { artifactEvent } from '../../shared/domain/artifact-events';
import { isPermanent, PermanentError } from '../../shared/domain/errors';
import { type MessageIdentity, resolveArtifactId } from '../../shared/domain/ids';
import { parseStoreRequest, type StoreRequest } from '../../shared/domain/store-request';
import type { Logger } from '../../shared/platform/log';
import { checkAttributes, decodeMessageBody, messageFromEvent } from './pubsub-message';
import { quarantine } from './quarantine';
import { type StoreDeps, storeArtifact } from './store-artifact';

export function createStoreArtifactHandler(deps: StoreDeps, log: Logger) {
  const events = deps.events ?? NO_EVENTS;
  return async function storeArtifactHandler(event: CloudEvent<unknown>): Promise<void> {
    const message = messageFromEvent(event);
    const identity: MessageIdentity | undefined = message.messageId
      ? { messageId: message.messageId, publishTime: message.publishTime }
      : undefined;
    let context: Record<string, unknown> = { message_id: message.messageId };
    let request: StoreRequest | undefined;
    try {
      const body = decodeMessageBody(message, deps.limits.maxArtifactBytes);
      request = parseStoreRequest(body);
      checkAttributes(message, request);
      context = { ...context, tenant_id: request.tenant_id, artifact_type: request.artifact_type };
      const artifactId = artifactIdOf(request, identity);
      if (!artifactId) {
        throw new PermanentError(
          'INVALID_MESSAGE',
          'the delivery carries no message id: the request needs an artifact_id or an idempotency_key',
        );
      }
      const result = await storeArtifact(request, artifactId, deps, log.child(context), message.messageId);
      if (result.status === 'ephemeral') {
        const fact = { event: 'artifact.ephemeral' as const, message_id: message.messageId ?? artifactId };
        await events.publish(artifactEvent(key(request, artifactId), fact, deps.now()));
      }
      log.info(result.status === 'ephemeral' ? 'artifact not persisted (ephemeral)' : 'artifact stored', {
        ...context,
        event: `artifact.${result.status}`,
        ...result,
      });
    } catch (err) {
      if (!isPermanent(err)) {
        log.error('store failed; the message will be redelivered', {
          ...context,
          event: 'artifact.retry',
          error: err,
        });
        throw err;
      }
      const artifactId = request ? artifactIdOf(request, identity) : null;
      const path = await quarantine(deps.blobs, message, err, deps.now(), artifactId);
      // Where the status route finds it, by tenant and id (a producer waiting on its publish learns of it).
      if (request && artifactId) {
        await deps.metadata.reject({
          uuid: artifactId,
          tenant_id: request.tenant_id,
          message_id: message.messageId ?? path,
          error_code: err.code,
          quarantine_path: path,
        });
        await events.publish(
          artifactEvent(
            key(request, artifactId),
            {
              event: 'artifact.rejected',
              error_code: err.code,
              message_id: message.messageId ?? path,
              quarantine_path: path,
            },
            deps.now(),
          ),
        );
      }
      log.warn('store request rejected', {
        ...context,
        event: 'artifact.rejected',
        error_code: err.code,
        error: err.message,
        quarantine_path: path,
        ...(artifactId ? { artifact_id: artifactId } : {}),
      });
    }
  };
}

const key = (request: StoreRequest, artifactId: string) => ({
  tenant_id: request.tenant_id,
  artifact_type: request.artifact_type,
  artifact_id: artifactId,
});

/** The id the request resolves to, or null when it cannot resolve one (no id, no key, no message id). */
function artifactIdOf(request: StoreRequest, identity: MessageIdentity | undefined): string | null {
  try {
    return resolveArtifactId(request, identity);
  } catch {
    return null;
  }
}
