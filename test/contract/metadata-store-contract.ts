/**
 * The MetadataStore contract: the behaviour every implementation must have (the SQL functions' rules, as
 * the functions rely on them). Run against SupabaseMetadataStore on the real PostgreSQL
 * (metadata-store.test.ts) and against the in-memory store of the in-process tests
 * (test/unit/memory-stores.test.ts), so the two agree.
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ListPosition, MetadataStore } from '../../shared/adapters/metadata-store';
import type { ArtifactRowInput, ArtifactRowMetadata } from '../../shared/domain/artifact-row';

export const tenant = () => `t-${randomUUID().slice(0, 12)}`;

export function metadata(generation: string, extra: Partial<ArtifactRowMetadata> = {}): ArtifactRowMetadata {
  return {
    execution_id: 'exec-1',
    session_id: 'sess-1',
    user_id: 'user-1',
    ui_name: 'an artifact',
    version: 1,
    message_id: null,
    component_count: 2,
    has_visuals: true,
    visual_paths: ['workflow_visual'],
    visuals: [
      {
        name: 'workflow_visual',
        storage_path: 'artifacts/workflow/t/x/workflow_visual.png',
        content_type: 'image/png',
        format: 'png',
        size: 68,
        sha256: 'c'.repeat(64),
      },
    ],
    materialization: {
      mode: 'persist',
      source: 'override',
      rule_index: null,
      retention_days: null,
      reason: 'test',
    },
    bucket: 'local-artifacts',
    generation,
    extra: { priority: 3, draft: false, note: null },
    ...extra,
  };
}

export function row(tenantId: string, overrides: Partial<ArtifactRowInput> = {}): ArtifactRowInput {
  const uuid = overrides.uuid ?? randomUUID();
  const type = overrides.artifact_type ?? 'workflow';
  const generation = overrides.generation ?? '1700000000000001';
  return {
    uuid,
    tenant_id: tenantId,
    artifact_type: type,
    user_id: 'user-1',
    ui_name: 'Quarterly workflow',
    file_path: `artifacts/${type}/${tenantId}/${uuid}.json`,
    file_size: 1234,
    file_hash: 'a'.repeat(64),
    generation,
    expires_at: null,
    metadata: metadata(generation),
    ...overrides,
  };
}

export const MICROSECOND_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$/;

/** Registers the contract's tests for the store `getStore()` returns (called when each test runs). */
export function metadataStoreContract(name: string, getStore: () => MetadataStore): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = getStore();
    });

    describe('record', () => {
      it('inserts, then is idempotent per generation: unchanged, updated (newer), stale (older)', async () => {
        const t = tenant();
        const r = row(t);
        expect(await store.record(r)).toBe('inserted');
        expect(await store.record(r)).toBe('unchanged');
        const newer = row(t, {
          uuid: r.uuid,
          generation: '1700000000000002',
          file_size: 99,
          ui_name: 'Renamed',
        });
        expect(await store.record(newer)).toBe('updated');
        expect(await store.record(r)).toBe('stale');
        const got = await store.get(r.uuid, t);
        expect(got?.file_size).toBe(99);
        expect(got?.ui_name).toBe('Renamed');
        expect(got?.metadata.generation).toBe('1700000000000002');
      });

      it('refuses another tenant the id: tenant_conflict, row untouched', async () => {
        const owner = tenant();
        const r = row(owner);
        expect(await store.record(r)).toBe('inserted');
        const other = tenant();
        expect(await store.record(row(other, { uuid: r.uuid, generation: '1800000000000000' }))).toBe(
          'tenant_conflict',
        );
        expect((await store.get(r.uuid, owner))?.metadata.generation).toBe(r.generation);
        expect(await store.get(r.uuid, other)).toBeNull();
      });

      it('never undeletes: a deleted row stays deleted', async () => {
        const t = tenant();
        const r = row(t);
        await store.record(r);
        expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null })).toBe('deleted');
        expect(await store.record(row(t, { uuid: r.uuid, generation: '1900000000000000' }))).toBe('deleted');
        expect(await store.get(r.uuid, t)).toBeNull();
      });

      it('keeps int64 generations exactly (beyond 2^53)', async () => {
        const t = tenant();
        const r = row(t, { generation: '9007199254740993' });
        expect(await store.record(r)).toBe('inserted');
        expect(await store.record(row(t, { uuid: r.uuid, generation: '9007199254740992' }))).toBe('stale');
        expect((await store.get(r.uuid, t))?.metadata.generation).toBe('9007199254740993');
      });
    });

    describe('get', () => {
      it("returns the tenant's live row, converted faithfully", async () => {
        const t = tenant();
        const expires = new Date(Date.now() + 86_400_000).toISOString();
        const r = row(t, { artifact_type: 'sop', expires_at: expires, user_id: null });
        await store.record(r);
        const got = await store.get(r.uuid, t);
        expect(got).not.toBeNull();
        expect(got).toMatchObject({
          uuid: r.uuid,
          tenant_id: t,
          user_id: null,
          ui_name: r.ui_name,
          artifact_type: 'sop',
          file_path: r.file_path,
          file_type: 'artifact',
          mime_type: 'application/json',
          file_size: 1234,
          file_hash: r.file_hash,
          status: 'active',
          deleted: false,
        });
        expect(typeof got?.file_size).toBe('number');
        expect(got?.metadata).toEqual(r.metadata);
        expect(got?.created_at).toMatch(MICROSECOND_UTC);
        expect(got?.updated_at).toMatch(MICROSECOND_UTC);
        expect(got?.expires_at).toMatch(MICROSECOND_UTC);
        expect(Date.parse(got!.expires_at!)).toBe(Date.parse(expires));
        expect(Object.keys(got!).sort()).toEqual(
          [
            'aliases',
            'artifact_type',
            'created_at',
            'deleted',
            'expires_at',
            'file_hash',
            'file_path',
            'file_size',
            'file_type',
            'latest_version',
            'metadata',
            'mime_type',
            'status',
            'tenant_id',
            'ui_name',
            'updated_at',
            'user_id',
            'uuid',
            'version',
          ].sort(),
        );
      });

      it('returns null for no row, another tenant, an expired row', async () => {
        const t = tenant();
        expect(await store.get(randomUUID(), t)).toBeNull();
        const r = row(t);
        await store.record(r);
        expect(await store.get(r.uuid, tenant())).toBeNull();
        const expired = row(t, { expires_at: '2001-01-01T00:00:00Z' });
        await store.record(expired);
        expect(await store.get(expired.uuid, t)).toBeNull();
        expect(await store.claim(expired.uuid, t, expired.artifact_type)).toBe('own');
      });
    });

    describe('list', () => {
      it('lists the live rows newest first, with filters', async () => {
        const t = tenant();
        const a = row(t, {
          artifact_type: 'workflow',
          metadata: metadata('1700000000000001', { execution_id: 'e1' }),
        });
        const b = row(t, {
          artifact_type: 'sop',
          metadata: metadata('1700000000000001', { session_id: 's2' }),
        });
        const c = row(t, {
          artifact_type: 'workflow',
          metadata: metadata('1700000000000001', { execution_id: 'e2' }),
        });
        const gone = row(t);
        const expired = row(t, { expires_at: '2001-01-01T00:00:00Z' });
        for (const r of [a, b, c, gone, expired]) expect(await store.record(r)).toBe('inserted');
        await store.markDeleted({ uuid: gone.uuid, tenant_id: t, generation: null });
        await store.record(row(tenant())); // another tenant's row

        const all = await store.list(t, {}, 50);
        expect(all.items.map((i) => i.uuid)).toEqual([c.uuid, b.uuid, a.uuid]);
        expect(all.next).toBeNull();
        expect((await store.list(t, { artifact_type: 'workflow' }, 50)).items.map((i) => i.uuid)).toEqual([
          c.uuid,
          a.uuid,
        ]);
        expect((await store.list(t, { execution_id: 'e1' }, 50)).items.map((i) => i.uuid)).toEqual([a.uuid]);
        expect((await store.list(t, { session_id: 's2' }, 50)).items.map((i) => i.uuid)).toEqual([b.uuid]);
        expect((await store.list(t, { artifact_type: 'sop', session_id: 'sess-1' }, 50)).items).toEqual([]);
        expect((await store.list(tenant(), {}, 50)).items).toEqual([]);
      });

      it('pages by keyset: every row once, newest first, next null on the last page', async () => {
        const t = tenant();
        const rows = Array.from({ length: 7 }, () => row(t));
        for (const r of rows) await store.record(r);
        const seen: string[] = [];
        let after: ListPosition | undefined;
        let pages = 0;
        for (;;) {
          const page = await store.list(t, {}, 3, after);
          pages++;
          seen.push(...page.items.map((i) => i.uuid));
          if (!page.next) break;
          const last = page.items.at(-1)!;
          expect(page.next).toEqual({ created_at: last.created_at, uuid: last.uuid });
          expect(page.next.created_at).toMatch(MICROSECOND_UTC);
          after = page.next;
        }
        expect(pages).toBe(3);
        expect(seen).toEqual(rows.map((r) => r.uuid).reverse());
        // A full last page still says there is no next page.
        const exact = await store.list(t, {}, 7);
        expect(exact.items).toHaveLength(7);
        expect(exact.next).toBeNull();
      });
    });

    describe('markDeleted', () => {
      it('deleted, then already_deleted; not_found without a row or for another tenant', async () => {
        const t = tenant();
        const r = row(t);
        await store.record(r);
        expect(await store.markDeleted({ uuid: r.uuid, tenant_id: tenant(), generation: null })).toBe(
          'not_found',
        );
        expect(await store.get(r.uuid, t)).not.toBeNull();
        expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: r.generation })).toBe(
          'deleted',
        );
        expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null })).toBe(
          'already_deleted',
        );
        expect(await store.markDeleted({ uuid: randomUUID(), tenant_id: t, generation: null })).toBe(
          'not_found',
        );
      });

      it('is stale for an older generation than the row holds', async () => {
        const t = tenant();
        const r = row(t, { generation: '1700000000000005' });
        await store.record(r);
        expect(await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: '1700000000000004' })).toBe(
          'stale',
        );
        expect(await store.get(r.uuid, t)).not.toBeNull();
      });

      it('tombstones an id without a row so that a late finalize cannot resurrect it', async () => {
        const t = tenant();
        const r = row(t);
        expect(
          await store.markDeleted({
            uuid: r.uuid,
            tenant_id: t,
            generation: r.generation,
            artifact_type: r.artifact_type,
            file_path: r.file_path,
          }),
        ).toBe('tombstoned');
        expect(await store.record(r)).toBe('deleted');
        expect(await store.get(r.uuid, t)).toBeNull();
        expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('deleted');
        expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
      });
    });

    describe('claim', () => {
      it('free (and reserved), own, conflict, deleted, foreign', async () => {
        const t = tenant();
        const r = row(t);
        expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('free');
        expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
        await store.record(r);
        expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('own');
        expect(await store.claim(r.uuid, t, 'another_type')).toBe('conflict');
        expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
        await store.markDeleted({ uuid: r.uuid, tenant_id: t, generation: null });
        expect(await store.claim(r.uuid, t, r.artifact_type)).toBe('deleted');
        expect(await store.claim(r.uuid, tenant(), r.artifact_type)).toBe('foreign');
      });
    });

    describe('setAlias', () => {
      it('answers the type and when the alias moved there; a repeat moves nothing, a real move is a new moment', async () => {
        const t = tenant();
        const r = row(t);
        await store.record(r);
        await store.record({
          ...row(t, { uuid: r.uuid, generation: '1700000000000002' }),
          file_path: `artifacts/workflow/${t}/${r.uuid}/v2.json`,
          version: 2,
        });
        const first = await store.setAlias(r.uuid, t, 'prod', 1);
        expect(first).toEqual({
          outcome: 'set',
          artifact_type: 'workflow',
          moved_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
        });
        expect(await store.setAlias(r.uuid, t, 'prod', 1)).toEqual(first);
        const there = await store.setAlias(r.uuid, t, 'prod', 2);
        const back = await store.setAlias(r.uuid, t, 'prod', 1);
        expect(there).toMatchObject({ outcome: 'set' });
        expect(back).toMatchObject({ outcome: 'set' });
        const moments = [first, there, back].map((o) => (o.outcome === 'set' ? o.moved_at : ''));
        expect(new Set(moments).size).toBe(3);
        expect(await store.setAlias(r.uuid, t, 'prod', 3)).toEqual({ outcome: 'not_found' });
        expect(await store.setAlias(r.uuid, tenant(), 'prod', 1)).toEqual({ outcome: 'not_found' });
      });

      it('a list item carries its latest version and the aliases of that version only, sorted', async () => {
        const t = tenant();
        const [a, b, c] = [row(t), row(t), row(t)];
        for (const r of [a, b, c]) await store.record(r);
        await store.record({
          ...row(t, { uuid: a.uuid, generation: '1700000000000002' }),
          file_path: `artifacts/workflow/${t}/${a.uuid}/v2.json`,
          version: 2,
        });
        await store.setAlias(a.uuid, t, 'staging', 2);
        await store.setAlias(a.uuid, t, 'prod', 2);
        await store.setAlias(a.uuid, t, 'old', 1);
        await store.setAlias(b.uuid, t, 'prod', 1);
        const items = (await store.list(t, {}, 50)).items;
        const seen = Object.fromEntries(items.map((i) => [i.uuid, [i.latest_version, i.aliases]]));
        expect(seen).toEqual({
          [a.uuid]: [2, ['prod', 'staging']],
          [b.uuid]: [1, ['prod']],
          [c.uuid]: [1, []],
        });
      });
    });

    describe('lineage', () => {
      const child = (
        t: string,
        parents: Array<{ artifact_id: string; version: number | null }>,
        version = 1,
      ) => {
        const r = row(t);
        return { ...r, version, derived_from: parents };
      };
      const ids = (g: { nodes: Array<{ artifact_id: string; version: number }> } | null) =>
        g?.nodes.map((n) => `${n.artifact_id}#${n.version}`).sort();

      it('up, down and both, depth by depth; the children list; edges from child to parent', async () => {
        const t = tenant();
        const a = row(t);
        await store.record(a);
        const b = child(t, [{ artifact_id: a.uuid, version: 1 }]);
        await store.record(b);
        const c = child(t, [{ artifact_id: b.uuid, version: 1 }]);
        await store.record(c);
        const up1 = await store.lineage(c.uuid, t, 'up', 1);
        expect(ids(up1)).toEqual([`${b.uuid}#1`, `${c.uuid}#1`].sort());
        expect(up1?.edges).toEqual([
          { from: { artifact_id: c.uuid, version: 1 }, to: { artifact_id: b.uuid, version: 1 } },
        ]);
        expect(ids(await store.lineage(c.uuid, t, 'up', 2))).toEqual(
          [`${a.uuid}#1`, `${b.uuid}#1`, `${c.uuid}#1`].sort(),
        );
        expect(ids(await store.lineage(a.uuid, t, 'down', 1))).toEqual([`${a.uuid}#1`, `${b.uuid}#1`].sort());
        expect(ids(await store.lineage(b.uuid, t, 'both', 1))).toHaveLength(3);
        expect(ids(await store.lineage(b.uuid, t, 'down', 5))).toEqual([`${b.uuid}#1`, `${c.uuid}#1`].sort());
        expect((await store.list(t, { derived_from: a.uuid }, 50)).items.map((i) => i.uuid)).toEqual([
          b.uuid,
        ]);
        expect(await store.lineage(c.uuid, tenant(), 'up', 1)).toBeNull();
      });

      it("shows nothing of another tenant's, a deleted or a never-stored artifact, and walks through none", async () => {
        const t = tenant();
        const other = tenant();
        const foreign = row(other);
        await store.record(foreign);
        const gone = row(t);
        await store.record(gone);
        const grand = row(t);
        await store.record(grand);
        const viaGone = child(t, [{ artifact_id: grand.uuid, version: 1 }]);
        await store.record({ ...viaGone });
        // gone is made from grand; c is made from foreign, gone and a never-stored id.
        await store.record({
          ...gone,
          generation: '1700000000000002',
          derived_from: [{ artifact_id: grand.uuid, version: 1 }],
        });
        const c = child(t, [
          { artifact_id: foreign.uuid, version: 1 },
          { artifact_id: gone.uuid, version: 1 },
          { artifact_id: randomUUID(), version: null },
        ]);
        await store.record(c);
        await store.markDeleted({ uuid: gone.uuid, tenant_id: t, generation: null });
        const g = await store.lineage(c.uuid, t, 'up', 5);
        expect(ids(g)).toEqual([`${c.uuid}#1`]);
        expect(g?.edges).toEqual([]);
        expect(await store.lineage(c.uuid, other, 'up', 5)).toBeNull();
      });

      it('a cycle ends: each node once', async () => {
        const t = tenant();
        const a = row(t);
        const b = row(t);
        await store.record({ ...a, derived_from: [{ artifact_id: b.uuid, version: 1 }] });
        await store.record({ ...b, derived_from: [{ artifact_id: a.uuid, version: 1 }] });
        const g = await store.lineage(a.uuid, t, 'both', 5);
        expect(ids(g)).toEqual([`${a.uuid}#1`, `${b.uuid}#1`].sort());
        expect(g?.edges).toHaveLength(2);
        expect(g?.truncated).toBe(false);
      });

      it('stops at the node cap and says so', async () => {
        const t = tenant();
        const root = row(t);
        await store.record(root);
        for (let i = 0; i < 6; i++) await store.record(child(t, [{ artifact_id: root.uuid, version: 1 }]));
        const g = await store.lineage(root.uuid, t, 'down', 1, 4);
        expect(g?.nodes).toHaveLength(4);
        expect(g?.truncated).toBe(true);
        for (const e of g!.edges) {
          expect(g!.nodes.some((n) => n.artifact_id === e.from.artifact_id)).toBe(true);
        }
      });
    });

    describe('reconcile reads', () => {
      it('rowStates: the rows of the ids, live or deleted; liveRows: live rows in uuid order, filtered', async () => {
        const t = tenant();
        const a = row(t);
        const b = row(t);
        await store.record(a);
        await store.record(b);
        await store.markDeleted({ uuid: b.uuid, tenant_id: t, generation: null });
        const states = await store.rowStates([a.uuid, b.uuid, randomUUID()]);
        expect(states).toHaveLength(2);
        expect(states.find((s) => s.uuid === a.uuid)).toMatchObject({
          tenant_id: t,
          file_path: a.file_path,
          generation: a.generation,
          deleted: false,
        });
        expect(states.find((s) => s.uuid === b.uuid)).toMatchObject({ deleted: true });
        const live = await store.liveRows({ tenant_id: t }, 10);
        expect(live.map((l) => l.uuid)).toEqual([a.uuid]);
        expect(await store.liveRows({ tenant_id: t }, 10, a.uuid)).toEqual([]);
      });
    });
  });
}
