import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout's import rules, read from the sources: a stage imports only from stages below it
 * (decode ← convert ← batch ← load ← sink.ts), config/ and errors.ts sit under every stage, nothing
 * in lib/ reaches functions/, cdk/ or lib/local/, there is no import circle, and cdk/ loads only
 * the config parser and the routing, not the conversion chain.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Rank of each part of lib/: a file may import only from a lower or equal rank (same folder). */
const RANKS: Readonly<Record<string, number>> = {
  'errors.ts': 0,
  config: 1,
  decode: 2,
  convert: 3,
  batch: 4,
  load: 5,
  'sink.ts': 6,
};

interface Import {
  readonly from: string;
  readonly to: string;
  /** `import type`, or every name imported as a type: erased from the JavaScript. */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mjs)$/.test(entry) ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:([^'";]*?)\s+from\s+)?'(\.{1,2}\/[^']+)'/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const names = m[3] ?? '';
    const braced = /^\{([^}]*)\}$/.exec(names.trim());
    const allTypes =
      braced !== null &&
      braced[1]
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .every((s) => s.startsWith('type ')) === true;
    found.push({
      from: file,
      to: path.resolve(path.dirname(file), m[4] as string),
      typeOnly: m[2] !== undefined || allTypes,
    });
  }
  for (const m of text.matchAll(/import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
    found.push({ from: file, to: path.resolve(path.dirname(file), m[1] as string), typeOnly: false });
  }
  return found;
}

const rel = (file: string) => path.relative(ROOT, file);

/** The part of lib/ a file belongs to (`decode`, `sink.ts`, ...), or undefined outside the stages. */
function partOf(file: string): string | undefined {
  const inLib = path.relative(path.join(ROOT, 'lib'), file);
  if (inLib.startsWith('..')) return undefined;
  const first = inLib.split(path.sep)[0] as string;
  return first in RANKS ? first : undefined;
}

const libFiles = sourceFiles(path.join(ROOT, 'lib')).filter((f) => partOf(f) !== undefined);
const libImports = libFiles.flatMap(importsOf);

/** Imports that reach a higher stage, or out of the stages (functions/, cdk/, lib/local/). */
function upwardImports(imports: readonly Import[]): string[] {
  return imports
    .filter((i) => {
      const to = partOf(i.to);
      return to === undefined || (RANKS[to] as number) > (RANKS[partOf(i.from) as string] as number);
    })
    .map((i) => `${rel(i.from)} → ${rel(i.to)}`);
}

/** Import circles among `files`: each as the list of files around it. */
function findCircles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const i of imports) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].map(rel));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of edges.keys()) if (state.get(file) === undefined) visit(file);
  return circles;
}

/** Every file `start` loads at run time, following value imports only. */
function runtimeClosure(start: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of importsOf(file)) if (!i.typeOnly) queue.push(i.to);
  }
  return seen;
}

describe('the layout of lib/', () => {
  it('finds the stage files it checks', () => {
    for (const part of Object.keys(RANKS)) {
      expect(
        libFiles.some((f) => partOf(f) === part),
        part,
      ).toBe(true);
    }
    expect(libImports.length).toBeGreaterThan(30);
  });

  it('imports only from the same stage or the stages below it', () => {
    expect(upwardImports(libImports)).toEqual([]);
  });

  it('has no import circle', () => {
    expect(findCircles(libImports)).toEqual([]);
  });

  it('is loaded by cdk/ only through the config parser and the routing', () => {
    const cdkFiles = sourceFiles(path.join(ROOT, 'cdk'));
    const reached = [...runtimeClosure(cdkFiles)].map(rel).filter((f) => f.startsWith('lib/'));
    const outside = reached.filter(
      (f) => !f.startsWith('lib/config/') && f !== 'lib/batch/route.ts' && f !== 'lib/errors.ts',
    );
    expect(reached).toContain('lib/batch/route.ts');
    expect(outside).toEqual([]);
  });
});

describe('the import checks themselves', () => {
  it('report an upward import and a circle', () => {
    const a = path.join(ROOT, 'lib/decode/a.ts');
    const b = path.join(ROOT, 'lib/load/b.ts');
    const imports: Import[] = [
      { from: a, to: b, typeOnly: false },
      { from: b, to: a, typeOnly: false },
    ];
    expect(findCircles(imports)).toEqual([['lib/decode/a.ts', 'lib/load/b.ts', 'lib/decode/a.ts']]);
    expect(upwardImports(imports)).toEqual(['lib/decode/a.ts → lib/load/b.ts']);
    const local = path.join(ROOT, 'lib/local/poller.ts');
    expect(upwardImports([{ from: b, to: local, typeOnly: true }])).toEqual([
      'lib/load/b.ts → lib/local/poller.ts',
    ]);
  });
});
