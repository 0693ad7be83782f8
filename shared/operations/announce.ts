/**
 * Announcing what the bucket and the rows now say (docs/design.md, "Events"), for whoever recorded it: the
 * sync function on a storage event, reconcile when it repairs what the sync missed. The event ids are derived
 * from the facts, so both announcing one fact is one event to a consumer that dedupes on event_id.
 */
import type { EventPublisher } from '../adapters/event-publisher';
import { artifactEvent } from '../domain/artifact-events';
import type { DecodedManifestMetadata } from '../domain/manifest-metadata';
import type { ArtifactKey } from '../domain/paths';

/** The version is readable now: announce it, and each alias the request asked to point at it. */
export async function announceVersion(
  events: EventPublisher,
  key: ArtifactKey,
  meta: DecodedManifestMetadata,
  now: Date,
): Promise<void> {
  const version = meta.version;
  await events.publish(
    artifactEvent(key, { event: 'artifact.version_created', artifact_version: version }, now),
  );
  for (const alias of meta.aliases) {
    await events.publish(artifactEvent(key, { event: 'alias.moved', alias, artifact_version: version }, now));
  }
}

/** The artifact is deleted (its row says so). */
export async function announceDeleted(events: EventPublisher, key: ArtifactKey, now: Date): Promise<void> {
  await events.publish(artifactEvent(key, { event: 'artifact.deleted' }, now));
}
