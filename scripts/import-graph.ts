/**
 * The import graph of the repository's TypeScript sources (relative imports only), its cycles, and the
 * layering rules of the storage module (docs/design.md, "Layout"): what each folder may import.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type Graph = Map<string, string[]>;

const SPEC = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const SKIP = new Set(['node_modules', 'dist', '.git', '.local', 'coverage']);

function sources(dir: string, root: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sources(path, root, out);
    else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith('.d.ts'))
      out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

function resolveImport(root: string, from: string, spec: string): string | undefined {
  const base = resolve(root, dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile())
      return relative(root, candidate).split(sep).join('/');
  }
  return undefined;
}

/** Every source file under `dirs` of `root`, with the files it imports (relative imports that resolve). */
export function importGraph(root: string, dirs: string[]): Graph {
  const graph: Graph = new Map();
  for (const dir of dirs) {
    if (!existsSync(join(root, dir))) continue;
    for (const file of sources(join(root, dir), root)) {
      const text = readFileSync(join(root, file), 'utf8');
      const targets = new Set<string>();
      for (const match of text.matchAll(SPEC)) {
        const target = resolveImport(root, file, match[1]!);
        if (target) targets.add(target);
      }
      graph.set(file, [...targets]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
export function cycles(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

/**
 * Which folders a folder may import from. `shared/` is layered: domain (pure rules) ← platform ← adapters ←
 * operations; the producer SDK sits beside operations. Functions import the storage module and their own
 * folder, never another function's; the storage module never imports a function, the local stack, the CLI,
 * scripts or tests.
 */
export const LAYERS: Array<{ from: string; may: string[] }> = [
  { from: 'shared/domain/', may: ['shared/domain/'] },
  { from: 'shared/platform/', may: ['shared/domain/', 'shared/platform/'] },
  { from: 'shared/adapters/', may: ['shared/domain/', 'shared/platform/', 'shared/adapters/'] },
  {
    from: 'shared/operations/',
    may: ['shared/domain/', 'shared/platform/', 'shared/adapters/', 'shared/operations/'],
  },
  {
    from: 'shared/producer/',
    may: ['shared/domain/', 'shared/platform/', 'shared/adapters/', 'shared/producer/'],
  },
];

/** `from → to` imports that break a layering rule (including a function importing another function). */
export function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const rule = LAYERS.find((l) => from.startsWith(l.from));
      if (rule && !rule.may.some((p) => to.startsWith(p))) out.push(`${from} → ${to}`);
      const fn = /^functions\/([^/]+)\//.exec(from)?.[1];
      if (fn && to.startsWith('functions/') && !to.startsWith(`functions/${fn}/`))
        out.push(`${from} → ${to}`);
      if (fn && !to.startsWith('functions/') && !to.startsWith('shared/')) out.push(`${from} → ${to}`);
    }
  }
  return out;
}
