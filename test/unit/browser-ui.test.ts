/**
 * The artifact browser's pure parts (functions/artifactsApi/ui): its places in the URL fragment, the token
 * a `#token=` link carries, the images of a document, and the lineage layout. The rest runs in Chromium
 * (test/browser).
 */
import { describe, expect, it } from 'vitest';
import { layoutLineage } from '../../functions/artifactsApi/ui/lineage-layout';
import {
  artifactHash,
  DEFAULT_PAGE_SIZE,
  listHash,
  listQuery,
  parseRoute,
  tokenOfFragment,
} from '../../functions/artifactsApi/ui/route';
import type { Lineage } from '../../functions/artifactsApi/ui/types';
import { findVisuals } from '../../functions/artifactsApi/ui/visuals';

const ID = '0b7e6c1e-8f0c-4c2a-9d55-3c1f2a7b9e10';

describe('places', () => {
  it('parses the list with its filters and page size, and formats it back', () => {
    expect(parseRoute('')).toEqual({ view: 'list', filters: {}, limit: DEFAULT_PAGE_SIZE });
    expect(parseRoute('#/')).toEqual({ view: 'list', filters: {}, limit: DEFAULT_PAGE_SIZE });
    const hash = listHash({ artifact_type: 'roadmap', session_id: 's 1&x' }, 5);
    expect(hash).toBe('#/?artifact_type=roadmap&session_id=s+1%26x&limit=5');
    expect(parseRoute(hash)).toEqual({
      view: 'list',
      filters: { artifact_type: 'roadmap', session_id: 's 1&x' },
      limit: 5,
    });
    for (const limit of ['0', '201', '-1', '1e2', 'x']) {
      expect(parseRoute(`#/?limit=${limit}`)).toMatchObject({ limit: DEFAULT_PAGE_SIZE });
    }
    expect(parseRoute('#/?execution_id=%20&other=1')).toEqual({ view: 'list', filters: {}, limit: 25 });
    expect(listQuery({ execution_id: 'e' }, 10, 'c/u+r')).toBe('execution_id=e&limit=10&cursor=c%2Fu%2Br');
  });

  it('parses an artifact, of a version or an alias', () => {
    expect(parseRoute(artifactHash(ID))).toEqual({ view: 'artifact', id: ID });
    expect(parseRoute(artifactHash(ID, { version: 3 }))).toEqual({ view: 'artifact', id: ID, version: 3 });
    expect(parseRoute(artifactHash(ID, { alias: 'prod' }))).toEqual({
      view: 'artifact',
      id: ID,
      alias: 'prod',
    });
    expect(parseRoute(`#/artifacts/${ID}?version=0`)).toEqual({ view: 'artifact', id: ID });
    expect(parseRoute('#/artifacts/%E0%A4%A')).toEqual({ view: 'unknown' });
    expect(parseRoute('#/elsewhere')).toEqual({ view: 'unknown' });
    expect(parseRoute(`#/artifacts/${ID}/more`)).toEqual({ view: 'unknown' });
  });

  it('takes a token only from a #token= fragment', () => {
    expect(tokenOfFragment('#token=a.b.c')).toBe('a.b.c');
    expect(tokenOfFragment('#token=a.b.c&x=1')).toBe('a.b.c');
    expect(tokenOfFragment('#token=')).toBeNull();
    expect(tokenOfFragment('#/?token=a.b.c')).toBeNull();
    expect(tokenOfFragment('')).toBeNull();
  });
});

describe('images of a document', () => {
  it('finds every visual reference the API made, at any depth, with its caption', () => {
    const url = (name: string) => `/api/artifacts/${ID}/visuals/${name}`;
    const document = {
      workflow_visual: { url: url('workflow_visual'), content_type: 'image/png', title: 'Flow' },
      components: {
        now: { chart_visual: { url: `${url('components.now.chart_visual')}?version=2`, caption: 'c' } },
      },
      slides: [{ slide_visual: { url: url('slides.0.slide_visual') } }],
      elsewhere_visual: { url: 'https://example.com/x.png' },
      diagram: { url: url('x') },
    };
    expect(findVisuals(document)).toEqual([
      { name: 'workflow_visual', url: url('workflow_visual'), contentType: 'image/png', caption: 'Flow' },
      {
        name: 'components.now.chart_visual',
        url: `${url('components.now.chart_visual')}?version=2`,
        caption: 'c',
      },
      { name: 'slides.0.slide_visual', url: url('slides.0.slide_visual') },
    ]);
  });
});

describe('lineage layout', () => {
  const node = (id: string, version = 1) => ({
    artifact_id: id,
    artifact_type: 'blueprint',
    version,
    ui_name: id,
    created_at: '2026-12-01T00:00:00Z',
  });
  const edge = (child: string, parent: string, cv = 1, pv = 1) => ({
    from: { artifact_id: child, version: cv },
    to: { artifact_id: parent, version: pv },
  });

  it('puts parents above, children below, each row centred, and keeps edges between placed nodes', () => {
    const lineage: Lineage = {
      nodes: [node('gp'), node('p1'), node('p2'), node('me', 2), node('c1'), node('sib')],
      edges: [
        edge('me', 'p1', 2),
        edge('me', 'p2', 2),
        edge('p1', 'gp'),
        edge('c1', 'me', 1, 2),
        edge('sib', 'p2'),
        edge('me', 'gone', 2),
      ],
      truncated: false,
    };
    const layout = layoutLineage(lineage, { artifact_id: 'me', version: 2 });
    const at = (id: string) => layout.nodes.find((n) => n.node.artifact_id === id)!;
    expect(at('me')).toMatchObject({ layer: 0, focus: true });
    expect(at('p1').layer).toBe(-1);
    expect(at('p2').layer).toBe(-1);
    expect(at('gp').layer).toBe(-2);
    expect(at('c1').layer).toBe(1);
    expect(at('sib').layer).toBe(0); // a sibling: one row below its placed parent
    expect(at('gp').y).toBeLessThan(at('p1').y);
    expect(at('p1').y).toBeLessThan(at('me').y);
    expect(at('me').y).toBeLessThan(at('c1').y);
    expect(at('p1').y).toBe(at('p2').y);
    expect(at('p1').x).not.toBe(at('p2').x);
    // The one-node rows are centred on the widest.
    expect(at('gp').x + 92).toBeCloseTo(layout.width / 2);
    expect(layout.edges).toHaveLength(5);
    expect(
      layout.nodes.every((n) => n.x >= 0 && n.x + 184 <= layout.width && n.y + 52 <= layout.height),
    ).toBe(true);
  });

  it("every version of the artifact sits in the middle row, with its own version's parents and children", () => {
    // Looking at version 2, whose version 1 was made from p and used by c (the API answers all versions).
    const layout = layoutLineage(
      {
        nodes: [node('me', 1), node('me', 2), node('p'), node('c')],
        edges: [edge('me', 'p', 1), edge('c', 'me', 1, 1)],
        truncated: false,
      },
      { artifact_id: 'me', version: 2 },
    );
    const at = (key: string) => layout.nodes.find((n) => n.key === key)!;
    expect(at('me@2')).toMatchObject({ layer: 0, focus: true });
    expect(at('me@1')).toMatchObject({ layer: 0, focus: false });
    expect(at('p@1').layer).toBe(-1);
    expect(at('c@1').layer).toBe(1);
  });

  it('without a version, centres on the newest version of the artifact; survives cycles', () => {
    const layout = layoutLineage(
      {
        nodes: [node('a', 1), node('a', 3), node('b')],
        edges: [edge('a', 'b', 3), edge('b', 'a', 1, 3)],
        truncated: false,
      },
      { artifact_id: 'a' },
    );
    expect(layout.nodes.find((n) => n.focus)!.key).toBe('a@3');
    expect(layout.nodes.find((n) => n.key === 'b@1')!.layer).toBe(-1);
    expect(layout.nodes).toHaveLength(3);
  });
});
