/**
 * A JSON document as a collapsible tree: every object and array is a button with aria-expanded controlling
 * its children (the disclosure pattern), so Tab, Enter and Space work as everywhere; ArrowRight opens (or
 * moves into) a node, ArrowLeft closes it (or moves to its parent). Children are built on first opening, so
 * a large document costs nothing until it is looked at. The root and its first level start open.
 */
import { h, uniqueId } from '../dom';

const OPEN_DEPTH = 1;
/** "Expand all" stops after this many nodes: a huge document stays usable. */
const EXPAND_ALL_LIMIT = 2000;

type Json = unknown;

function isContainer(value: Json): value is Record<string, Json> | Json[] {
  return typeof value === 'object' && value !== null;
}

function summary(value: Record<string, Json> | Json[]): string {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
  const n = Object.keys(value).length;
  return `{${n} key${n === 1 ? '' : 's'}}`;
}

function leaf(value: Json): HTMLElement {
  if (typeof value === 'string') return h('span', { class: 'v v-string' }, JSON.stringify(value));
  if (typeof value === 'number') return h('span', { class: 'v v-number' }, String(value));
  if (typeof value === 'boolean') return h('span', { class: 'v v-boolean' }, String(value));
  return h('span', { class: 'v v-null' }, 'null');
}

interface TreeNode {
  toggle: HTMLButtonElement;
  expand(): void;
  collapse(): void;
}

/** The nodes of a tree, by their toggle button, for keyboard moves and "expand all". */
type Registry = Map<HTMLButtonElement, TreeNode & { parent: HTMLButtonElement | null }>;

function entries(value: Record<string, Json> | Json[]): Array<[string, Json]> {
  return Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
}

function node(
  key: string,
  value: Json,
  depth: number,
  parent: HTMLButtonElement | null,
  registry: Registry,
): HTMLLIElement {
  const keyLabel = h('span', { class: 'key' }, key);
  if (!isContainer(value))
    return h('li', { class: 'leaf' }, keyLabel, h('span', { class: 'colon' }, ': '), leaf(value));
  const groupId = uniqueId('tree');
  const toggle = h(
    'button',
    { type: 'button', class: 'toggle', 'aria-expanded': 'false', 'aria-controls': groupId },
    keyLabel,
    ' ',
    h('span', { class: 'summary' }, summary(value)),
  );
  const group = h('ul', { id: groupId, role: 'group', hidden: true });
  let built = false;
  const expand = () => {
    if (!built) {
      group.append(...entries(value).map(([k, v]) => node(k, v, depth + 1, toggle, registry)));
      built = true;
    }
    group.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
  };
  const collapse = () => {
    group.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
  };
  registry.set(toggle, { toggle, expand, collapse, parent });
  toggle.addEventListener('click', () =>
    toggle.getAttribute('aria-expanded') === 'true' ? collapse() : expand(),
  );
  toggle.addEventListener('keydown', (event) => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    if (event.key === 'ArrowRight') {
      event.preventDefault();
      if (!open) expand();
      else group.querySelector<HTMLButtonElement>(':scope > li > .toggle')?.focus();
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      if (open) collapse();
      else parent?.focus();
    }
  });
  if (depth <= OPEN_DEPTH) expand();
  return h('li', { class: 'branch' }, toggle, group);
}

export function jsonTree(document: Record<string, Json>, label: string): HTMLElement {
  const registry: Registry = new Map();
  const root = h('ul', { class: 'tree', 'aria-label': label }, node('artifact', document, 0, null, registry));
  const expandAll = () => {
    // Breadth first, building as it goes, up to the limit.
    let opened = 0;
    for (let i = 0; i < 50 && opened < EXPAND_ALL_LIMIT; i++) {
      const closed = [...registry.values()].filter((n) => n.toggle.getAttribute('aria-expanded') !== 'true');
      if (closed.length === 0) break;
      for (const n of closed.slice(0, EXPAND_ALL_LIMIT - opened)) n.expand();
      opened += closed.length;
    }
  };
  const collapseAll = () => {
    for (const n of registry.values()) if (n.parent !== null) n.collapse();
  };
  return h(
    'div',
    { class: 'tree-wrap' },
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'button', class: 'secondary', onclick: expandAll }, 'Expand all'),
      h('button', { type: 'button', class: 'secondary', onclick: collapseAll }, 'Collapse all'),
    ),
    root,
  );
}
