/**
 * The BlobStore contract: what every implementation must do (GCS's semantics as the functions rely on them).
 * Run against GcsBlobStore on the GCS stand-in through the real client (blob-store.test.ts) and against the
 * in-memory store of the in-process tests (test/unit/memory-stores.test.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { type BlobStore, listAll, type ObjectInfo } from '../../shared/adapters/blob-store';

/** A fresh prefix per test, so tests never see each other's objects. */
const scope = () => `t-${randomUUID()}/`;
export const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function expectInfo(info: ObjectInfo, name: string, bytes: Buffer, contentType: string, bucket: string) {
  expect(info.name).toBe(name);
  expect(info.bucket).toBe(bucket);
  expect(info.generation).toMatch(/^[1-9]\d*$/);
  expect(info.metageneration).toBe('1');
  expect(info.size).toBe(bytes.length);
  expect(info.contentType).toBe(contentType);
  expect(info.md5Hash).toBe(md5(bytes));
  expect(Number.isNaN(Date.parse(info.timeCreated))).toBe(false);
}

/** Registers the contract's tests for the store `getStore()` returns (called before each test). */
export function blobStoreContract(name: string, getStore: () => BlobStore): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeEach(() => {
      store = getStore();
    });

    it('putIfAbsent creates the object and reports it', async () => {
      const name = `${scope()}doc.json`;
      const bytes = json({ hello: 'world' });
      const result = await store.putIfAbsent(name, bytes, { contentType: 'application/json' });
      expect(result.created).toBe(true);
      if (!result.created) return;
      expectInfo(result.info, name, bytes, 'application/json', store.bucket);
      expect(result.info.metadata).toEqual({});
      expect(result.info.customTime).toBeUndefined();
    });

    it('a second putIfAbsent returns the existing object and changes nothing', async () => {
      const name = `${scope()}doc.json`;
      const first = await store.putIfAbsent(name, json({ v: 1 }), {
        contentType: 'application/json',
        metadata: { version: '1' },
      });
      expect(first.created).toBe(true);
      const second = await store.putIfAbsent(name, json({ v: 2 }), {
        contentType: 'text/plain',
        metadata: { version: '2' },
      });
      expect(second.created).toBe(false);
      if (second.created || !first.created) return;
      expect(second.existing).toEqual(first.info);
      const got = await store.get(name);
      expect(got?.bytes.toString()).toBe(JSON.stringify({ v: 1 }));
      expect(got?.info).toEqual(first.info);
    });

    it('concurrent putIfAbsent of one name creates it exactly once', async () => {
      const name = `${scope()}race.json`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.putIfAbsent(name, json({ i }), { contentType: 'application/json' }),
        ),
      );
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const generation = created[0]!.created ? created[0]!.info.generation : '';
      for (const r of results) {
        expect(r.created ? r.info.generation : r.existing.generation).toBe(generation);
      }
    });

    it('get, head and openRead return the same bytes and info', async () => {
      const name = `${scope()}image.png`;
      const bytes = randomBytes(4096);
      const put = await store.putIfAbsent(name, bytes, { contentType: 'image/png' });
      if (!put.created) throw new Error('not created');
      const head = await store.head(name);
      expect(head).toEqual(put.info);
      const got = await store.get(name);
      expect(got?.info).toEqual(put.info);
      expect(got?.bytes.equals(bytes)).toBe(true);
      const opened = await store.openRead(name);
      expect(opened?.info).toEqual(put.info);
      expect((await readAll(opened!.stream)).equals(bytes)).toBe(true);
    });

    it('missing objects: get, head and openRead return null, delete returns false', async () => {
      const name = `${scope()}missing.json`;
      expect(await store.get(name)).toBeNull();
      expect(await store.head(name)).toBeNull();
      expect(await store.openRead(name)).toBeNull();
      expect(await store.delete(name)).toBe(false);
      expect(await store.delete(name, { generation: '12345' })).toBe(false);
    });

    it('delete without a generation removes the object', async () => {
      const name = `${scope()}gone.json`;
      await store.putIfAbsent(name, json({}), { contentType: 'application/json' });
      expect(await store.delete(name)).toBe(true);
      expect(await store.head(name)).toBeNull();
      expect(await store.get(name)).toBeNull();
      expect(await store.delete(name)).toBe(false);
      // The name can be created again afterwards.
      const again = await store.putIfAbsent(name, json({ again: true }), { contentType: 'application/json' });
      expect(again.created).toBe(true);
    });

    it('delete with a generation only deletes that generation', async () => {
      const name = `${scope()}versioned.json`;
      const put = await store.putIfAbsent(name, json({}), { contentType: 'application/json' });
      if (!put.created) throw new Error('not created');
      const other = (BigInt(put.info.generation) - 1n).toString();
      expect(await store.delete(name, { generation: other })).toBe(false);
      expect(await store.head(name)).toEqual(put.info);
      expect(await store.delete(name, { generation: put.info.generation })).toBe(true);
      expect(await store.head(name)).toBeNull();
      expect(await store.delete(name, { generation: put.info.generation })).toBe(false);
    });

    it('list returns the objects under a prefix in name order, in pages', async () => {
      const prefix = scope();
      const names = Array.from({ length: 25 }, (_, i) => `${prefix}obj-${String(i).padStart(2, '0')}.json`);
      // Created out of order; plus neighbours that must not be listed.
      for (const name of [...names].reverse()) {
        await store.putIfAbsent(name, json({ name }), { contentType: 'application/json' });
      }
      await store.putIfAbsent(`${prefix.slice(0, -1)}x/outside.json`, json({}), {
        contentType: 'application/json',
      });
      await store.putIfAbsent(`${prefix.slice(0, -1)}`, json({}), { contentType: 'application/json' });

      const seen: string[] = [];
      const sizes: number[] = [];
      let pageToken: string | undefined;
      do {
        const page = await store.list(prefix, pageToken ? { pageToken, maxResults: 10 } : { maxResults: 10 });
        sizes.push(page.items.length);
        for (const item of page.items) {
          expect(item.bucket).toBe(store.bucket);
          expect(item.size).toBe(json({ name: item.name }).length);
          seen.push(item.name);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(sizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(names);
      expect((await listAll(store, prefix)).map((i) => i.name)).toEqual(names);
      expect(await store.list(`${prefix}nothing-here/`)).toEqual({ items: [] });
    });

    it('custom metadata and customTime round-trip', async () => {
      const name = `${scope()}meta.json`;
      const customTime = new Date('2031-05-06T07:08:09.123Z');
      const metadata = { tenant_id: 'tenant-a', 'artifact-type': 'workflow', note: 'ünïcødé & spaces' };
      const put = await store.putIfAbsent(name, json({}), {
        contentType: 'application/json',
        metadata,
        customTime,
        cacheControl: 'private, max-age=0',
      });
      if (!put.created) throw new Error('not created');
      expect(put.info.metadata).toEqual(metadata);
      expect(put.info.customTime).toBe(customTime.toISOString());
      const head = await store.head(name);
      expect(head?.metadata).toEqual(metadata);
      expect(head?.customTime && new Date(head.customTime).getTime()).toBe(customTime.getTime());
      const [listed] = (await store.list(name)).items;
      expect(listed).toEqual(head);
    });

    it('md5Hash is the MD5 of the bytes', async () => {
      const name = `${scope()}hash.bin`;
      const bytes = Buffer.from('The quick brown fox jumps over the lazy dog');
      const put = await store.putIfAbsent(name, bytes, { contentType: 'application/octet-stream' });
      if (!put.created) throw new Error('not created');
      expect(put.info.md5Hash).toBe('nhB9nTcrtoJr2B01QqQZ1g==');
      expect((await store.head(name))?.md5Hash).toBe(md5(bytes));
    });

    it('a 1 MB object round-trips', async () => {
      const name = `${scope()}big.bin`;
      const bytes = randomBytes(1024 * 1024);
      const put = await store.putIfAbsent(name, bytes, { contentType: 'application/octet-stream' });
      if (!put.created) throw new Error('not created');
      expectInfo(put.info, name, bytes, 'application/octet-stream', store.bucket);
      expect((await store.get(name))?.bytes.equals(bytes)).toBe(true);
      const opened = await store.openRead(name);
      expect((await readAll(opened!.stream)).equals(bytes)).toBe(true);
    });

    it('touch merges custom metadata, moves metageneration and updated on, keeps bytes and generation', async () => {
      const name = `${scope()}visual.png`;
      const bytes = randomBytes(64);
      const put = await store.putIfAbsent(name, bytes, {
        contentType: 'image/png',
        metadata: { sha256: 'abc' },
      });
      if (!put.created) throw new Error('not created');
      await new Promise((r) => setTimeout(r, 5));
      const touched = await store.touch(name, { reused_at: '2026-12-03T00:00:00.000Z' });
      expect(touched).toMatchObject({
        generation: put.info.generation,
        metageneration: '2',
        metadata: { sha256: 'abc', reused_at: '2026-12-03T00:00:00.000Z' },
      });
      expect(Date.parse(touched!.updated)).toBeGreaterThan(Date.parse(put.info.updated));
      expect((await store.get(name))!.bytes.equals(bytes)).toBe(true);
      expect(await store.touch(`${scope()}missing`, { x: '1' })).toBeNull();
    });

    it('a delete conditional on a metageneration that moved on deletes nothing (a reuse wins over reconcile)', async () => {
      const name = `${scope()}visual.png`;
      const put = await store.putIfAbsent(name, randomBytes(16), { contentType: 'image/png' });
      if (!put.created) throw new Error('not created');
      const seen = put.info; // what a reconcile listing saw
      await store.touch(name, { reused_at: new Date().toISOString() }); // a store reuses it meanwhile
      expect(
        await store.delete(name, { generation: seen.generation, metageneration: seen.metageneration }),
      ).toBe(false);
      const now = (await store.head(name))!;
      expect(
        await store.delete(name, { generation: now.generation, metageneration: now.metageneration }),
      ).toBe(true);
      expect(await store.head(name)).toBeNull();
    });

    it('an empty object round-trips', async () => {
      const name = `${scope()}empty.txt`;
      const bytes = Buffer.alloc(0);
      const put = await store.putIfAbsent(name, bytes, { contentType: 'text/plain' });
      if (!put.created) throw new Error('not created');
      expectInfo(put.info, name, bytes, 'text/plain', store.bucket);
      expect(put.info.md5Hash).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
      const got = await store.get(name);
      expect(got?.bytes.length).toBe(0);
      const opened = await store.openRead(name);
      expect((await readAll(opened!.stream)).length).toBe(0);
    });

    it.each([
      ['spaces', 'dir with spaces/file name.json'],
      ['unicode', 'ünïcødé/日本語/файл-😀.json'],
      ['percent and URL syntax', '100% done/a%2Fb?x=1&y=2#frag+plus;semi.json'],
      ['dots', 'a/./b/../c..json'],
      ['backslashes and quotes', 'back\\slash/..\\x "quoted" \'single\'.json'],
    ])('object names with %s work everywhere', async (_label, suffix) => {
      const prefix = scope();
      const name = `${prefix}${suffix}`;
      const bytes = json({ name });
      const put = await store.putIfAbsent(name, bytes, { contentType: 'application/json' });
      expect(put.created).toBe(true);
      expect((await store.head(name))?.name).toBe(name);
      expect((await store.get(name))?.bytes.equals(bytes)).toBe(true);
      expect((await readAll((await store.openRead(name))!.stream)).equals(bytes)).toBe(true);
      expect((await store.list(prefix)).items.map((i) => i.name)).toEqual([name]);
      expect(await store.delete(name)).toBe(true);
      expect(await store.head(name)).toBeNull();
    });
  });
}
