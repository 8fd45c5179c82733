// The import graph of src/: no cycles, and every import points down the layers (README, Layout).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Bottom first: a file may import its own layer and the ones before it. */
const LAYERS = [
  ['errors.ts'],
  ['sys'],
  ['values'],
  ['packet'],
  ['netlink'],
  ['handle'],
  ['rtnl'],
  ['devices'],
  ['traffic'],
  ['capture'],
  ['netns'],
  ['wait'],
  ['assert'],
  ['index.ts', 'vitest.ts'],
];
/** Beside the core: they may import it (and each other), the core never imports them. */
const BESIDE = ['report', 'kernel', 'container'];

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
// Type-only imports count: a cycle of types is still a cycle a reader has to follow.
const imports = new Map(
  files.map((f) => {
    const text = readFileSync(join(SRC, f), 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map((m) =>
      normalize(join(dirname(f), m[1]!)),
    );
    return [f, targets];
  }),
);

const top = (f: string): string => f.split('/')[0]!;
const layerOf = (f: string): number => LAYERS.findIndex((l) => l.includes(top(f)));

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      found.push([...path.slice(path.indexOf(f)), f]);
      return;
    }
    state.set(f, 'open');
    path.push(f);
    for (const t of imports.get(f) ?? []) visit(t);
    path.pop();
    state.set(f, 'done');
  };
  for (const f of files) visit(f);
  return found;
}

describe('the import graph of src/', () => {
  it('has a layer for every folder', () => {
    expect(files.map(top).filter((t) => layerOf(t) < 0 && !BESIDE.includes(t))).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles().map((c) => c.join(' -> '))).toEqual([]);
  });

  it('imports only down the layers', () => {
    const upward = [...imports].flatMap(([from, targets]) =>
      targets
        .filter((to) =>
          BESIDE.includes(top(to))
            ? !BESIDE.includes(top(from))
            : !BESIDE.includes(top(from)) && layerOf(to) > layerOf(from),
        )
        .map((to) => `${from} -> ${relative('.', to)}`),
    );
    expect(upward).toEqual([]);
  });
});
