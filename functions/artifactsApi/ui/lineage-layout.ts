/**
 * Where each node of a lineage graph goes: the artifact looked at (all its versions) in the middle row, its
 * parents in rows above (grandparents higher), its children in rows below, each row centred. Edges run from a child version
 * to a parent version. Pure: no DOM, so it is tested on its own.
 */
import type { Lineage, LineageNode, VersionRef } from './types';

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  padding: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 184,
  nodeHeight: 52,
  gapX: 20,
  gapY: 56,
  padding: 12,
};

export interface PlacedNode {
  key: string;
  node: LineageNode;
  /** 0: the artifact looked at; -1: its parents; 1: its children. */
  layer: number;
  x: number;
  y: number;
  focus: boolean;
}

export interface PlacedEdge {
  child: PlacedNode;
  parent: PlacedNode;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const keyOf = (ref: VersionRef) => `${ref.artifact_id}@${ref.version}`;

/**
 * Lays out `lineage` around `focus` (an artifact id and, when known, its version; without one, its newest
 * version in the graph). Nodes reached neither up nor down from the focus sit in the row of a neighbour,
 * else in the middle row.
 */
export function layoutLineage(
  lineage: Lineage,
  focus: { artifact_id: string; version?: number },
  options: LayoutOptions = DEFAULT_LAYOUT,
): Layout {
  const nodes = new Map(lineage.nodes.map((n) => [keyOf(n), n]));
  const edges = lineage.edges.filter((e) => nodes.has(keyOf(e.from)) && nodes.has(keyOf(e.to)));
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    const [c, p] = [keyOf(e.from), keyOf(e.to)];
    parents.set(c, [...(parents.get(c) ?? []), p]);
    children.set(p, [...(children.get(p) ?? []), c]);
  }

  const candidates = lineage.nodes.filter((n) => n.artifact_id === focus.artifact_id);
  const focal =
    candidates.find((n) => n.version === focus.version) ??
    candidates.sort((a, b) => b.version - a.version)[0];
  // Every version of the artifact looked at sits in the middle row (each may have its own parents and
  // children); the one looked at is the focus.
  const layer = new Map<string, number>();
  const starts = candidates.map(keyOf);
  for (const start of starts) layer.set(start, 0);
  if (focal) {
    for (const [next, step] of [
      [parents, -1],
      [children, 1],
    ] as const) {
      const queue = [...starts];
      while (queue.length > 0) {
        const k = queue.shift()!;
        for (const n of next.get(k) ?? []) {
          if (layer.has(n)) continue;
          layer.set(n, layer.get(k)! + step);
          queue.push(n);
        }
      }
    }
  }
  // Whatever is left (a sibling reached through a shared parent, say) goes one row below a placed parent or
  // one above a placed child; the rest in the middle row.
  for (let changed = true; changed; ) {
    changed = false;
    for (const k of nodes.keys()) {
      if (layer.has(k)) continue;
      const p = (parents.get(k) ?? []).find((x) => layer.has(x));
      const c = (children.get(k) ?? []).find((x) => layer.has(x));
      if (p !== undefined) layer.set(k, layer.get(p)! + 1);
      else if (c !== undefined) layer.set(k, layer.get(c)! - 1);
      else continue;
      changed = true;
    }
  }
  for (const k of nodes.keys()) if (!layer.has(k)) layer.set(k, 0);

  const rows = new Map<number, string[]>();
  for (const [k, l] of layer) rows.set(l, [...(rows.get(l) ?? []), k]);
  const order = [...rows.keys()].sort((a, b) => a - b);
  const focalKey = focal ? keyOf(focal) : undefined;
  const label = (k: string) => {
    const n = nodes.get(k)!;
    return `${n.artifact_type}\u0000${n.ui_name}\u0000${k}`;
  };
  const { nodeWidth, nodeHeight, gapX, gapY, padding } = options;
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = padding * 2 + widest * nodeWidth + (widest - 1) * gapX;
  const placed = new Map<string, PlacedNode>();
  order.forEach((l, row) => {
    const keys = rows
      .get(l)!
      .sort((a, b) => (a === focalKey ? -1 : b === focalKey ? 1 : label(a) < label(b) ? -1 : 1));
    const rowWidth = keys.length * nodeWidth + (keys.length - 1) * gapX;
    const left = (width - rowWidth) / 2;
    keys.forEach((k, i) => {
      placed.set(k, {
        key: k,
        node: nodes.get(k)!,
        layer: l,
        x: left + i * (nodeWidth + gapX),
        y: padding + row * (nodeHeight + gapY),
        focus: k === focalKey,
      });
    });
  });
  const height = padding * 2 + order.length * nodeHeight + Math.max(0, order.length - 1) * gapY;
  return {
    nodes: [...placed.values()],
    edges: edges.map((e) => ({ child: placed.get(keyOf(e.from))!, parent: placed.get(keyOf(e.to))! })),
    width,
    height,
  };
}
