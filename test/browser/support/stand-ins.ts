/**
 * Answers for routes that arrive from other branches (DESIGN 12, lineage), in the documented shape, served
 * to the page by Playwright's request interception. Used only while the API lacks the route: the tests of
 * the real route run once it exists (test/browser/artifact-browser.test.ts).
 */
import type { Page } from 'playwright-core';
import type { StoredArtifact } from '../../api/support/harness';

const node = (a: StoredArtifact) => ({
  artifact_id: a.id,
  artifact_type: a.row.artifact_type,
  version: 1,
  ui_name: a.row.ui_name,
  created_at: a.row.created_at,
});
const ref = (a: StoredArtifact) => ({ artifact_id: a.id, version: 1 });

/**
 * Every lineage request answers the chain `chain[0] ← chain[1] ← ...` (each made from the one before). When
 * the API cannot read `?version=` yet (`hasVersions` false), reads of version 1, which lineage nodes link
 * to, go to the artifact without it.
 */
export async function standInLineage(
  page: Page,
  chain: StoredArtifact[],
  hasVersions: boolean,
): Promise<void> {
  const body = {
    nodes: chain.map(node),
    edges: chain.slice(1).map((child, i) => ({ from: ref(child), to: ref(chain[i]!) })),
    truncated: false,
  };
  await page.route(
    (url) => url.pathname.endsWith('/lineage'),
    (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) }),
  );
  if (hasVersions) return;
  await page.route(
    (url) => /^\/api\/artifacts\/[^/]+$/.test(url.pathname) && url.searchParams.get('version') === '1',
    (route) => {
      const url = new URL(route.request().url());
      url.searchParams.delete('version');
      return route.continue({ url: url.href });
    },
  );
}
