/**
 * The artifact's lineage as a graph: parents above, children below (lineage-layout.ts), drawn as SVG whose
 * nodes are links (Tab reaches them, Enter opens that artifact version), with the same edges as two lists
 * ("made from", "used by") for anyone who does not read the picture. When the API has no lineage route
 * (404/405), the section says so and the page goes on.
 */
import { isMissing } from '../api';
import { h, svg } from '../dom';
import { DEFAULT_LAYOUT, type Layout, layoutLineage, type PlacedNode } from '../lineage-layout';
import { artifactHash } from '../route';
import type { Artifact, Lineage, LineageNode } from '../types';
import type { ViewContext } from './context';
import { loading } from './status';

const MAX_NAME = 24;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const nameOf = (n: LineageNode) => n.ui_name || n.artifact_id.slice(0, 8);
const hrefOf = (n: LineageNode) => artifactHash(n.artifact_id, { version: n.version });

function drawNode(p: PlacedNode): SVGElement {
  const { nodeWidth: w, nodeHeight: hgt } = DEFAULT_LAYOUT;
  const label = `${nameOf(p.node)}, ${p.node.artifact_type}, version ${p.node.version}${p.focus ? ' (this artifact)' : ''}`;
  return svg(
    'a',
    { href: hrefOf(p.node), class: p.focus ? 'node focus' : 'node', 'aria-label': label, 'data-key': p.key },
    svg('title', {}, label),
    svg('rect', { x: p.x, y: p.y, width: w, height: hgt, rx: 8 }),
    svg('text', { x: p.x + 10, y: p.y + 21, class: 'name' }, clip(nameOf(p.node), MAX_NAME)),
    svg(
      'text',
      { x: p.x + 10, y: p.y + 40, class: 'meta' },
      `${clip(p.node.artifact_type, 16)} · v${p.node.version}`,
    ),
  );
}

function drawGraph(layout: Layout): SVGSVGElement {
  const { nodeWidth: w, nodeHeight: hgt } = DEFAULT_LAYOUT;
  const edges = layout.edges.map(({ child, parent }) => {
    // From the child's top edge to the parent's bottom edge (or the other way if the child sits higher).
    const down = child.y > parent.y;
    const [x1, y1] = [child.x + w / 2, down ? child.y : child.y + hgt];
    const [x2, y2] = [parent.x + w / 2, down ? parent.y + hgt : parent.y];
    const mid = (y1 + y2) / 2;
    return svg('path', {
      class: 'edge',
      d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`,
      'marker-end': 'url(#arrow)',
    });
  });
  return svg(
    'svg',
    {
      class: 'graph',
      width: layout.width,
      height: layout.height,
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      role: 'group',
      'aria-label': 'Lineage graph: parents above, children below',
    },
    svg(
      'defs',
      {},
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
    ),
    ...edges,
    ...layout.nodes.map(drawNode),
  );
}

function relatives(title: string, nodes: PlacedNode[], id: string): HTMLElement {
  return h(
    'div',
    { class: 'relatives' },
    h('h3', {}, title),
    nodes.length === 0
      ? h('p', { class: 'empty' }, 'None.')
      : h(
          'ul',
          { id },
          ...nodes.map((p) =>
            h(
              'li',
              {},
              h('a', { href: hrefOf(p.node) }, nameOf(p.node)),
              ` ${p.node.artifact_type} · v${p.node.version}`,
            ),
          ),
        ),
  );
}

function render(lineage: Lineage, artifact: Artifact): HTMLElement {
  const layout = layoutLineage(lineage, {
    artifact_id: artifact.artifact_id,
    ...(artifact.version !== undefined ? { version: artifact.version } : {}),
  });
  const focus = layout.nodes.find((n) => n.focus);
  const own = (n: PlacedNode) => n.node.artifact_id === artifact.artifact_id;
  if (!focus || layout.nodes.every(own)) {
    return h(
      'p',
      { class: 'empty', id: 'no-lineage' },
      'No lineage: nothing this artifact was made from or was used for.',
    );
  }
  // The relatives of any version of this artifact, each once.
  const unique = (nodes: PlacedNode[]) => [...new Map(nodes.map((n) => [n.key, n])).values()];
  const parents = unique(layout.edges.filter((e) => own(e.child) && !own(e.parent)).map((e) => e.parent));
  const children = unique(layout.edges.filter((e) => own(e.parent) && !own(e.child)).map((e) => e.child));
  return h(
    'div',
    {},
    h('div', { class: 'graph-wrap' }, drawGraph(layout)),
    lineage.truncated
      ? h('p', { class: 'notice' }, 'The graph is cut short: it has more nodes than the API returns.')
      : null,
    h(
      'div',
      { class: 'relatives-wrap' },
      relatives('Made from', parents, 'lineage-parents'),
      relatives('Used by', children, 'lineage-children'),
    ),
  );
}

export function lineageSection(ctx: ViewContext, artifact: Artifact): HTMLElement {
  const body = h('div', { class: 'lineage-body' });
  const depth = h(
    'select',
    { id: 'lineage-depth' },
    ...[1, 2, 3, 4, 5].map((d) => h('option', { value: d, selected: d === 2 }, String(d))),
  );
  const load = async () => {
    body.replaceChildren(loading('Loading lineage…'));
    const query = new URLSearchParams({ direction: 'both', depth: depth.value });
    try {
      const lineage = await ctx.api.json<Lineage>(
        `/api/artifacts/${encodeURIComponent(artifact.artifact_id)}/lineage?${query}`,
        ctx.signal,
      );
      body.replaceChildren(render(lineage, artifact));
    } catch (err) {
      if (isMissing(err))
        body.replaceChildren(
          h('p', { class: 'empty', id: 'no-lineage' }, 'No lineage: this API does not serve lineage.'),
        );
      else ctx.fail(err, body, () => void load());
    }
  };
  depth.addEventListener('change', () => void load());
  void load();
  return h(
    'section',
    { class: 'lineage', 'aria-labelledby': 'lineage-title' },
    h('h2', { id: 'lineage-title' }, 'Lineage'),
    h('div', { class: 'field inline' }, h('label', { for: 'lineage-depth' }, 'Depth'), depth),
    body,
  );
}
