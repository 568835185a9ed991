/**
 * The folders of src/ form a layered design: imports between folders point one way
 * (tensor ← runtime ← kernels ← layers ← autodiff ← unet ← train …), so each folder can be
 * read with only the folders below it in mind. This test reads every import of src/**\/*.ts,
 * builds the folder graph and fails on any cycle, naming one file import per edge of it.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });

/** The top folder of src/ a path lies in ('' for files directly in src/). */
const folderOf = (path: string): string => {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0]! : '';
};

/** Folder → folder → one example "file imports target" for the message. */
const folderGraph = (): Map<string, Map<string, string>> => {
  const graph = new Map<string, Map<string, string>>();
  const importRe = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const file of files(SRC)) {
    const from = folderOf(file);
    // Comments are left out: a JSDoc example's import is documentation, not a dependency.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(importRe)) {
      const target = resolve(dirname(file), m[1] ?? m[2]!);
      const to = folderOf(target);
      if (to === from || from === '' || to === '') continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${relative(SRC, file)} imports ${m[1] ?? m[2]}`);
      graph.set(from, edges);
    }
  }
  return graph;
};

/** One cycle of the graph as a list of edge descriptions, or undefined (depth-first search). */
export const findCycle = (graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] | undefined => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') {
        const loop = [...path.slice(path.indexOf(next)), next];
        return loop.slice(1).map((to, i) => graph.get(loop[i]!)!.get(to)!);
      }
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
};

describe('folder-level imports', () => {
  it('finds a cycle when there is one (the checker itself)', () => {
    const g = new Map([
      ['a', new Map([['b', 'a/x.ts imports ../b/y.js']])],
      ['b', new Map([['c', 'b/y.ts imports ../c/z.js']])],
      ['c', new Map([['a', 'c/z.ts imports ../a/x.js']])],
    ]);
    expect(findCycle(g)).toEqual(['a/x.ts imports ../b/y.js', 'b/y.ts imports ../c/z.js', 'c/z.ts imports ../a/x.js']);
    expect(findCycle(new Map([['a', new Map([['b', '']])]]))).toBeUndefined();
  });

  it('src/ has no import cycle between folders', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect(findCycle(graph)).toBeUndefined();
  });
});
