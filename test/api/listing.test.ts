/**
 * Keyset pagination under writes: paging through a tenant's artifacts with a small limit while new artifacts
 * keep being stored for the same tenant never repeats an item, and returns every artifact that existed when
 * the listing began exactly once, in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ListResponse } from '../../functions/artifactsApi/schemas';
import { waitFor } from '../support/stack';
import { type ApiHarness, sampleDocument, startApiHarness, uniqueTenant } from './support/harness';

const SEEDED = 60;
const LIMIT = 7;

let h: ApiHarness;
const tenant = uniqueTenant('listing');

beforeAll(async () => {
  h = await startApiHarness();
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function page(token: string, cursor: string | null): Promise<ListResponse> {
  const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  const res = await h.call(`/api/artifacts?limit=${LIMIT}${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as ListResponse;
}

it(`pages of ${LIMIT} over ${SEEDED} artifacts, while more are stored, neither repeat nor skip`, async () => {
  const token = await h.user(tenant);
  // Seed in small batches so creation times spread out a little.
  for (let i = 0; i < SEEDED; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) => h.store(tenant, { document: sampleDocument(`seed ${i + k}`) })),
    );
  }
  const snapshot = (await (await h.call('/api/artifacts?limit=200', { token })).json()) as ListResponse;
  expect(snapshot.items).toHaveLength(SEEDED);
  const existing = snapshot.items.map((i) => i.artifact_id);

  // Keep storing new artifacts for the same tenant while paging.
  let writing = true;
  const published: string[] = [];
  const writer = (async () => {
    while (writing) {
      const { artifact_id } = await h.t.publish({
        artifact_type: 'report',
        tenant_id: tenant,
        artifact: sampleDocument('written while listing'),
        materialization: { mode: 'persist' },
      });
      published.push(artifact_id);
    }
  })();

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  try {
    do {
      const next = await page(token, cursor);
      seen.push(...next.items.map((i) => i.artifact_id));
      cursor = next.next_cursor;
      pages++;
      // Let some of the concurrent stores land between pages.
      await new Promise((r) => setTimeout(r, 60));
    } while (cursor);
  } finally {
    writing = false;
    await writer;
  }

  expect(new Set(seen).size, 'an item was repeated').toBe(seen.length);
  expect(seen.filter((id) => existing.includes(id))).toEqual(existing);
  expect(pages).toBeGreaterThanOrEqual(Math.ceil(SEEDED / LIMIT));
  // The concurrent writes really happened: they are stored and listed now, newest first.
  expect(published.length).toBeGreaterThan(0);
  await waitFor(async () => {
    const now = (await (await h.call('/api/artifacts?limit=200', { token })).json()) as ListResponse;
    return now.items.length === SEEDED + published.length;
  }, 'the concurrent writes to be stored');
}, 120_000);
