/** Artifacts worth looking at, for the browser tests and the screenshots: real images, nested documents. */
import { randomUUID } from 'node:crypto';
import type { ApiHarness, StoredArtifact } from '../../api/support/harness';
import { PNG_BASE64 } from '../../api/support/harness';

/** A small bar chart as SVG (the store types it by its bytes), base64. */
export function chartSvg(title: string, values: number[], color: string): string {
  const width = 360;
  const height = 180;
  const bar = Math.floor((width - 40) / values.length);
  const max = Math.max(...values);
  const bars = values
    .map((v, i) => {
      const h = Math.round((v / max) * (height - 60));
      return `<rect x="${24 + i * bar}" y="${height - 24 - h}" width="${bar - 8}" height="${h}" rx="3" fill="${color}"/>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#ffffff"/><text x="16" y="26" font-family="sans-serif" font-size="15" fill="#333">${title}</text><line x1="20" y1="${height - 22}" x2="${width - 12}" y2="${height - 22}" stroke="#999"/>${bars}</svg>`;
  return Buffer.from(svg).toString('base64');
}

export function roadmapDocument(name: string): Record<string, unknown> {
  return {
    title: name,
    roadmap: { horizon: '2027-H1', owner: 'service desk' },
    workflow_visual: { image_base64: PNG_BASE64, title: 'Intake flow' },
    components: {
      current_state: {
        summary: 'Manual intake by email, triaged weekly',
        chart_visual: {
          image_base64: chartSvg('Tickets per week', [12, 18, 9, 22, 17, 25], '#2957c7'),
          caption: 'Today',
        },
      },
      target_state: {
        summary: 'Self-service portal with automatic routing',
        chart_visual: {
          image_base64: chartSvg('Projected tickets', [10, 8, 7, 6, 5, 4], '#1a7f37'),
          caption: 'Target',
        },
      },
    },
    phases: [
      { id: 'p1', name: 'Discovery', weeks: 3, owners: ['ops', 'it'] },
      { id: 'p2', name: 'Portal pilot', weeks: 6, owners: ['it'] },
      { id: 'p3', name: 'Roll-out', weeks: 8, owners: ['ops'], risks: { adoption: 'medium', budget: null } },
    ],
    approved: true,
  };
}

export interface BrowserData {
  tenant: string;
  /** A roadmap with three images (one PNG, two SVG charts), execution `exec-roadmap`. */
  roadmap: StoredArtifact;
  /** Its source blueprint and a solution made from it (the lineage tests' parent and child). */
  blueprint: StoredArtifact;
  solution: StoredArtifact;
  /** Five small reports of execution `exec-paging`, for the list's paging. */
  reports: StoredArtifact[];
}

export async function seedBrowserData(h: ApiHarness, tenant: string): Promise<BrowserData> {
  // The lineage blueprint ← roadmap ← solution, each naming its parent's version 1 (stored alongside).
  const ids = { blueprint: randomUUID(), roadmap: randomUUID() };
  const parent = (artifact_id: string) => ({ derived_from: [{ artifact_id, version: 1 }] });
  const [blueprint, roadmap, solution, ...reports] = await Promise.all([
    h.store(tenant, {
      artifact_id: ids.blueprint,
      artifact_type: 'blueprint',
      document: { blueprint_id: 'bp-7', components: { intake: { steps: ['email', 'portal'] } } },
      metadata: { ui_name: 'Intake blueprint', execution_id: 'exec-blueprint', session_id: 'session-a' },
    }),
    h.store(tenant, {
      artifact_id: ids.roadmap,
      ...parent(ids.blueprint),
      artifact_type: 'roadmap',
      document: roadmapDocument('Service desk roadmap'),
      metadata: { ui_name: 'Service desk roadmap', execution_id: 'exec-roadmap', session_id: 'session-a' },
    }),
    h.store(tenant, {
      ...parent(ids.roadmap),
      artifact_type: 'solution',
      document: { synthesis: 'Portal with routing rules', cost_estimate: 42000 },
      metadata: { ui_name: 'Portal solution', execution_id: 'exec-solution', session_id: 'session-b' },
    }),
    ...[1, 2, 3, 4, 5].map((n) =>
      h.store(tenant, {
        artifact_type: 'report',
        document: { title: `Weekly report ${n}`, week: n },
        metadata: { ui_name: `Weekly report ${n}`, execution_id: 'exec-paging', session_id: 'session-c' },
      }),
    ),
  ]);
  return { tenant, roadmap: roadmap!, blueprint: blueprint!, solution: solution!, reports };
}
