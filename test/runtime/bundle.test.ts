// weft-runtime starts from two bundles (scripts/bundle-runtime.mjs): each imports only Node built-ins and the two packages left out on purpose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/harness.js';

const BUNDLES = ['runtime-main-thread.mjs', 'runtime-wasm-thread.cjs'];

/** Every module specifier a bundle imports or requires, statically or dynamically (string literals). */
function specifiers(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s*)["']([^"']+)["']/gm)) found.add(m[1] as string);
  return [...found].sort();
}

describe('runtime bundles', () => {
  it('the bin starts each thread from its bundle', () => {
    const bin = readFileSync(join(ROOT, 'dist', 'bin', 'weft-runtime.js'), 'utf8');
    for (const name of BUNDLES) expect(bin).toContain(`../bundle/${name}`);
  });

  for (const name of BUNDLES) {
    it(`${name} imports only node: built-ins and @bytecodealliance packages (everything of weft's is inside it)`, () => {
      const imports = specifiers(readFileSync(join(ROOT, 'dist', 'bundle', name), 'utf8'));
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter((s) => !s.startsWith('node:') && !s.startsWith('@bytecodealliance/'))).toEqual([]);
    });
  }

  it('the wasm thread is CommonJS and bundles preview2-shim\'s random (no ES module loader in its boot); the shim\'s I/O side stays outside, loaded only by sessions that need it', () => {
    const source = readFileSync(join(ROOT, 'dist', 'bundle', 'runtime-wasm-thread.cjs'), 'utf8');
    const imports = specifiers(source);
    expect(imports).not.toContain('@bytecodealliance/preview2-shim/random');
    expect(imports).toContain('@bytecodealliance/preview2-shim/io');
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    // Strict, as the ES modules it is made of (esbuild says so for ES module sources).
    expect(source.startsWith('"use strict";')).toBe(true);
  });
});
