// src/runtime/ is split by thread: a main-thread file never loads wasm-thread code and the reverse (type imports are fine: they vanish at build), so a file's folder says where it runs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const RUNTIME = join(import.meta.dirname, '..', '..', 'src', 'runtime');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** Value imports (not `import type`) of `file`, as paths relative to src/runtime. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^import (?!type )[^;]*?from '(\.[^']+)'/gms), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!);
  return specs.map((spec) => relative(RUNTIME, resolve(dirname(file), spec)));
}

describe('runtime thread folders', () => {
  it.each([
    ['main-thread', 'wasm-thread'],
    ['wasm-thread', 'main-thread'],
    ['both-threads', 'main-thread'],
    ['both-threads', 'wasm-thread'],
  ])('%s loads no code from %s', (from, forbidden) => {
    const crossings = files(join(RUNTIME, from)).flatMap((file) => valueImports(file).filter((target) => target.startsWith(`${forbidden}/`)).map((target) => `${relative(RUNTIME, file)} → ${target}`));
    expect(crossings).toEqual([]);
  });

  it('has no loose files: each file sits in the folder of the thread it runs on', () => {
    expect(readdirSync(RUNTIME, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name)).toEqual([]);
  });
});
