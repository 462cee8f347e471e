// Contract tests for what weft assumes about jco-transpile's output and preview2-shim's classes: an upgrade that breaks one fails here, by name.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComponentJs } from '../../src/runtime/wasm-thread/entry-loader.js';
import { CABI_REP } from '../../src/runtime/wasm-thread/wasi/resource.js';
import { loadShimIo } from '../../src/runtime/wasm-thread/wasi/shim.js';
import { precompile } from '../../src/wasm/precompile.js';
import { ROOT } from './helpers/harness.js';

const work = mkdtempSync(join(tmpdir(), 'weft-jco-contract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PINNED = ['@bytecodealliance/jco-transpile', '@bytecodealliance/preview2-shim'] as const;

function installedVersion(name: string): string {
  // The package root: resolve its main entry, then walk up to the package.json that names it.
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '';
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${name}'s package.json`);
    dir = up;
  }
}

describe('pinned versions', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

  it.each(PINNED)('%s is pinned to an exact version, and that version is the one installed', (name) => {
    const wanted = manifest.dependencies[name];
    expect(wanted, `package.json must pin ${name} exactly (weft relies on its internals)`).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedVersion(name), `installed ${name} differs from package.json: run npm install`).toBe(wanted);
  });
});

describe("jco's generated component.js (the entry loader's fast path)", () => {
  it('is an import-free module exporting `function instantiate`, which the loader compiles as a cached script', async () => {
    const out = join(work, 'entry');
    await precompile(readFileSync(join(ROOT, 'apps/wasip2-shaped/app.wasm')), out);
    const source = readFileSync(join(out, 'component.js'), 'utf8');
    expect(source, 'component.js must not import anything (WASI comes through the import object)').not.toMatch(/^\s*import[\s{*]/m);
    expect(source, 'component.js must export `function instantiate(getCoreModule, imports, instantiateCore`').toMatch(/^export function instantiate\(getCoreModule, imports, instantiateCore/m);
    // The loader rewrites the module into a script only when it recognises jco's shape; then a
    // V8 code cache is written. If jco's output changes shape, the loader silently falls back to
    // import() (slower launches): this catches it.
    const cacheDir = join(work, 'v8');
    const entry = await loadComponentJs(pathToFileURL(join(out, 'component.js')).href, cacheDir);
    expect(typeof entry.instantiate).toBe('function');
    entry.saveCodeCache();
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.v8')), 'the fast (script + code cache) path was not taken').toHaveLength(1);
  });
});

describe("preview2-shim's classes and resource reps", () => {
  it('exports the classes weft subclasses or checks with instanceof', async () => {
    const shim = await loadShimIo();
    for (const [what, value] of [
      ['io.poll.Pollable', shim.io.poll.Pollable],
      ['io.streams.InputStream', shim.io.streams.InputStream],
      ['io.streams.OutputStream', shim.io.streams.OutputStream],
      ['io.error.Error', shim.io.error.Error],
      ['filesystem.types.Descriptor', shim.filesystem.types.Descriptor],
    ] as const) {
      expect(typeof value, `preview2-shim no longer exports ${what}`).toBe('function');
    }
    expect(typeof shim.io.poll.poll).toBe('function');
    expect(typeof shim.clocks.monotonicClock.subscribeInstant).toBe('function');
    expect(typeof shim.filesystem.createFilesystem).toBe('function');
  });

  it("keys its own resources by Symbol.for('cabiRep') with small numbers (weft's reps sit above 2^29)", async () => {
    const shim = await loadShimIo();
    const pollable = shim.clocks.monotonicClock.subscribeInstant(0n) as Record<symbol, unknown>;
    expect(pollable).toBeInstanceOf(shim.io.poll.Pollable);
    const rep = pollable[CABI_REP];
    expect(typeof rep, "preview2-shim's pollables no longer carry a Symbol.for('cabiRep') rep").toBe('number');
    expect(rep as number).toBeLessThan(2 ** 29);
  });
});
