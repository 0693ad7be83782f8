import { describe, expect, it } from 'vitest';
import { cycles, type Graph, importGraph, layerViolations } from '../../scripts/import-graph';

const ROOT = process.cwd();

describe('the import graph', () => {
  const graph = importGraph(ROOT, ['shared', 'functions', 'local', 'cli', 'scripts', 'bench']);

  it('covers the sources', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('functions/storeArtifact/handler.ts')).toContain('shared/domain/store-request.ts');
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the layers: domain ← platform ← adapters ← operations / producer ← functions, no function imports another', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('the checks do find a cycle and a layer violation when there is one', () => {
    const bad: Graph = new Map([
      ['shared/domain/a.ts', ['shared/domain/b.ts']],
      ['shared/domain/b.ts', ['shared/adapters/c.ts']],
      ['shared/adapters/c.ts', ['shared/domain/a.ts']],
      ['functions/x/index.ts', ['functions/y/handler.ts']],
    ]);
    expect(cycles(bad)).toEqual([['shared/adapters/c.ts', 'shared/domain/a.ts', 'shared/domain/b.ts']]);
    expect(layerViolations(bad)).toEqual([
      'shared/domain/b.ts → shared/adapters/c.ts',
      'functions/x/index.ts → functions/y/handler.ts',
    ]);
  });
});
