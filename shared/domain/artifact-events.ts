/**
 * The events the store publishes after a fact is committed (docs/design.md, "Events"), on
 * ARTIFACT_EVENTS_TOPIC: JSON `{version: 1, event_id, event, tenant_id, artifact_id, artifact_type,
 * artifact_version?, alias?, moved_at?, error_code?, message_id?, quarantine_path?, occurred_at}` with the attributes
 * `event`, `tenant_id`, `artifact_type` for subscription filters. Delivery is at least once; `event_id` is
 * derived from the fact (not from the attempt), so a consumer dedupes on it.
 */
import { uuidV5 } from './ids';

export const EVENT_KINDS = [
  'artifact.version_created',
  'artifact.deleted',
  'alias.moved',
  'artifact.rejected',
  'artifact.ephemeral',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface ArtifactEvent {
  version: 1;
  event_id: string;
  event: EventKind;
  tenant_id: string;
  artifact_id: string;
  artifact_type: string;
  artifact_version?: number;
  alias?: string;
  /** alias.moved over HTTP: when the alias came to point at this version. */
  moved_at?: string;
  error_code?: string;
  message_id?: string;
  quarantine_path?: string;
  occurred_at: string;
}

/** Namespace of event ids (UUIDv5), distinct from the artifact ids'. */
const EVENT_NAMESPACE = '0e2c9a3e-7f3c-5d4e-9a51-3c8f2b6d1a74';

type Fact =
  | { event: 'artifact.version_created'; artifact_version: number }
  | { event: 'artifact.deleted' }
  | { event: 'alias.moved'; alias: string; artifact_version: number; moved_at?: string }
  | { event: 'artifact.rejected'; error_code: string; message_id: string; quarantine_path: string }
  | { event: 'artifact.ephemeral'; message_id: string };

/** The event of one fact; the same fact always gets the same `event_id`. */
export function artifactEvent(
  subject: { tenant_id: string; artifact_id: string; artifact_type: string },
  fact: Fact,
  now: Date = new Date(),
): ArtifactEvent {
  const discriminator =
    fact.event === 'artifact.version_created'
      ? `v${fact.artifact_version}`
      : fact.event === 'alias.moved'
        ? `${fact.alias}@v${fact.artifact_version}${fact.moved_at ? `@${fact.moved_at}` : ''}`
        : fact.event === 'artifact.rejected' || fact.event === 'artifact.ephemeral'
          ? `message:${fact.message_id}`
          : '';
  return {
    version: 1,
    event_id: uuidV5(
      `${subject.tenant_id}/${subject.artifact_id}/${fact.event}/${discriminator}`,
      EVENT_NAMESPACE,
    ),
    ...fact,
    tenant_id: subject.tenant_id,
    artifact_id: subject.artifact_id,
    artifact_type: subject.artifact_type,
    occurred_at: now.toISOString(),
  };
}
