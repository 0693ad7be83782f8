/**
 * Reconcile (docs/design.md, "Reconcile"): repairs whatever drifted between the bucket and the rows, in
 * whatever way it drifted (an event lost past its retry budget, a crash between two writes, a losing
 * attempt's leftovers). Idempotent and safe while stores run; run it again to resume.
 *
 * 1. The bucket, under `artifacts/` (or one type / tenant), in name order, artifact by artifact:
 *    - a manifest without its row (or with a row of an older generation) is recorded, as its finalize event
 *      would have; one that can never be recorded (another tenant's or type's id, not written by the store)
 *      is counted as refused and left in place with everything it references;
 *    - a manifest whose row is deleted (an interrupted delete) is removed with its objects;
 *    - an object no existing manifest references, last changed more than the grace period ago, is removed.
 *      Its delete is conditional on the generation and metageneration reconcile saw: a store that reuses the
 *      object touches it first, so a delete decided before that store's manifest existed cannot happen after.
 * 2. The live rows (of that type / tenant): a row whose manifest no longer exists is marked deleted, and what
 *    is left of its objects removed.
 */

import type { BlobStore, ObjectInfo } from '../adapters/blob-store';
import { type EventPublisher, NO_EVENTS } from '../adapters/event-publisher';
import type { MetadataStore, RowState } from '../adapters/metadata-store';
import { isPermanent } from '../domain/errors';
import { ARTIFACTS_PREFIX, type ArtifactKey, parseArtifactObject } from '../domain/paths';
import { announceDeleted, announceVersion } from './announce';
import { deleteArtifactObjects, deleteVisualObjects } from './artifact-objects';
import { listVersions, versionVisuals } from './artifact-versions';
import { recordManifest } from './record-manifest';

export interface ReconcileOptions {
  tenant?: string;
  type?: string;
  /** Count what would be done, change nothing. */
  dryRun?: boolean;
  /** Unreferenced objects changed more recently than this are left alone (default 60). */
  graceMinutes?: number;
  now?: () => Date;
  /** Called after each batch with the counts so far. */
  onProgress?: (report: ReconcileReport) => void;
  /** One line per repair. */
  onAction?: (action: string, fields: Record<string, unknown>) => void;
}

export interface ReconcileReport {
  /** Objects under `artifacts/` and live rows looked at. */
  scanned: number;
  /** Manifests without their row, now recorded. */
  recorded: number;
  /** Live rows whose manifest is gone, now marked deleted. */
  marked_deleted: number;
  /** Objects removed: unreferenced leftovers, and what was left of deleted artifacts. */
  removed: number;
  /** Manifests that can never be recorded (quarantine-worthy), left in place. */
  refused: number;
  dry_run: boolean;
}

export interface ReconcileDeps {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Announces what reconcile records or marks deleted, as the sync would have (docs/design.md, "Events"). */
  events?: EventPublisher;
}

/** Artifacts handled per batch (one row lookup each). */
const BATCH = 100;
const ROW_PAGE = 500;

interface Group {
  key: ArtifactKey;
  /** The artifact's manifests: one per committed version. */
  manifests: Array<{ version: number; info: ObjectInfo }>;
  /** Objects inside the artifact's folder that are not manifests (visuals). */
  members: ObjectInfo[];
}

export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const events = deps.events ?? NO_EVENTS;
  const report: ReconcileReport = {
    scanned: 0,
    recorded: 0,
    marked_deleted: 0,
    removed: 0,
    refused: 0,
    dry_run: options.dryRun === true,
  };
  const now = options.now ?? (() => new Date());
  const graceMs = (options.graceMinutes ?? 60) * 60_000;
  const act = (action: string, fields: Record<string, unknown>) =>
    options.onAction?.(options.dryRun ? `would ${action}` : action, fields);
  const seenManifests = new Set<string>();

  // 1. The bucket, artifact by artifact (a manifest `{id}.json` lists just before its folder `{id}/`).
  let batch: Group[] = [];
  let current: Group | undefined;
  const flush = async () => {
    if (batch.length === 0) return;
    const groups = batch;
    batch = [];
    const states = new Map(
      (await deps.metadata.rowStates(groups.map((g) => g.key.artifact_id))).map((s) => [s.uuid, s]),
    );
    for (const group of groups) await reconcileGroup(group, states.get(group.key.artifact_id));
    options.onProgress?.({ ...report });
  };

  const reconcileGroup = async (group: Group, row: RowState | undefined) => {
    const { key, manifests } = group;
    const rowIsThis =
      row !== undefined && row.tenant_id === key.tenant_id && row.artifact_type === key.artifact_type;
    for (const m of manifests) seenManifests.add(m.info.name);
    if (manifests.length > 0 && rowIsThis && row.deleted) {
      // An interrupted delete, or a store that raced with it: finish it.
      const objects = manifests.length + group.members.length;
      act('remove deleted artifact', { object: manifests[0]!.info.name, objects });
      report.removed += options.dryRun ? objects : await deleteArtifactObjects(deps.blobs, key);
      return;
    }
    const referenced = new Set<string>();
    for (const manifest of manifests) {
      const recorded =
        rowIsThis &&
        row.versions.some(
          (v) => v.file_path === manifest.info.name && v.generation === manifest.info.generation,
        );
      if (!recorded) {
        const outcome = await recordMissing(group, manifest.info);
        if (outcome === 'removed') return;
        if (outcome === 'refused') {
          // Never recorded, never deleted on a guess: everything it might reference stays.
          for (const member of group.members) referenced.add(member.name);
          continue;
        }
      }
      const stored = { version: manifest.version, info: manifest.info, sha256: undefined };
      for (const visual of await versionVisuals(deps.blobs, key, stored)) referenced.add(visual.storage_path);
    }
    const orphans = group.members.filter((object) => {
      if (referenced.has(object.name)) return false;
      const changed = Date.parse(object.updated || object.timeCreated);
      return !(Number.isFinite(changed) && now().getTime() - changed < graceMs);
    });
    // Unreferenced as of the listing: make sure no manifest appeared since, then delete only the version of
    // each object that was judged (a reuse touches it first, which makes the delete a no-op).
    if (orphans.length > 0) {
      const current = await listVersions(deps.blobs, key);
      if (current.length !== manifests.length) return;
    }
    for (const object of orphans) {
      act('remove unreferenced object', { object: object.name });
      if (options.dryRun) report.removed++;
      else if (
        await deps.blobs.delete(object.name, {
          generation: object.generation,
          metageneration: object.metageneration,
        })
      ) {
        report.removed++;
      }
    }
  };

  /** Records a manifest found without its version's row: 'recorded', 'unchanged', 'removed' or 'refused'. */
  const recordMissing = async (
    group: Group,
    manifest: ObjectInfo,
  ): Promise<'recorded' | 'unchanged' | 'removed' | 'refused'> => {
    const name = manifest.name;
    if (options.dryRun) {
      act('record manifest', { object: name });
      report.recorded++;
      return 'recorded';
    }
    try {
      const outcome = await recordManifest(deps, name, group.key, {
        generation: manifest.generation,
        object: manifest,
        onRecorded: (meta) => announceVersion(events, group.key, meta, new Date()),
      });
      if (outcome === 'inserted' || outcome === 'updated' || outcome === 'version_added') {
        act('record manifest', { object: name, outcome });
        report.recorded++;
        return 'recorded';
      }
      if (outcome === 'deleted:removed') {
        act('remove deleted artifact', { object: name });
        report.removed += group.manifests.length + group.members.length;
        return 'removed';
      }
      return 'unchanged';
    } catch (err) {
      if (!isPermanent(err)) throw err;
      act('leave refused manifest', { object: name, error_code: err.code, error: err.message });
      report.refused++;
      return 'refused';
    }
  };

  const prefix = listingPrefix(options);
  let pageToken: string | undefined;
  do {
    const page = await deps.blobs.list(prefix, pageToken ? { pageToken } : {});
    for (const object of page.items) {
      report.scanned++;
      const parsed = parseArtifactObject(object.name);
      if (!parsed || (options.tenant && parsed.key.tenant_id !== options.tenant)) continue;
      const same =
        current &&
        current.key.artifact_id === parsed.key.artifact_id &&
        current.key.tenant_id === parsed.key.tenant_id &&
        current.key.artifact_type === parsed.key.artifact_type;
      if (!same) {
        if (current) batch.push(current);
        if (batch.length >= BATCH) await flush();
        current = { key: parsed.key, manifests: [], members: [] };
      }
      if (parsed.kind === 'manifest') current!.manifests.push({ version: parsed.version, info: object });
      else current!.members.push(object);
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (current) batch.push(current);
  await flush();

  // 2. Live rows whose manifest is gone.
  let after: string | undefined;
  for (;;) {
    const filter = {
      ...(options.tenant ? { tenant_id: options.tenant } : {}),
      ...(options.type ? { artifact_type: options.type } : {}),
    };
    const rows = await deps.metadata.liveRows(filter, ROW_PAGE, after);
    for (const row of rows) {
      report.scanned++;
      if (seenManifests.has(row.file_path) || (await deps.blobs.head(row.file_path))) continue;
      act('mark deleted (manifest gone)', { artifact_id: row.uuid, object: row.file_path });
      if (options.dryRun) {
        report.marked_deleted++;
        continue;
      }
      const outcome = await deps.metadata.markDeleted({
        uuid: row.uuid,
        tenant_id: row.tenant_id,
        generation: row.generation,
        artifact_type: row.artifact_type,
        file_path: row.file_path,
      });
      const key = { artifact_type: row.artifact_type, tenant_id: row.tenant_id, artifact_id: row.uuid };
      if (outcome === 'deleted') {
        report.marked_deleted++;
        await announceDeleted(events, key, new Date());
      }
      report.removed += await deleteVisualObjects(deps.blobs, key);
    }
    options.onProgress?.({ ...report });
    if (rows.length < ROW_PAGE) break;
    after = rows[rows.length - 1]!.uuid;
  }
  return report;
}

function listingPrefix(options: ReconcileOptions): string {
  if (options.type && options.tenant) return `${ARTIFACTS_PREFIX}${options.type}/${options.tenant}/`;
  if (options.type) return `${ARTIFACTS_PREFIX}${options.type}/`;
  return ARTIFACTS_PREFIX;
}
