// Unit tests for loading component.js through vm.Script with a V8 code cache, and the fallback to a plain import.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComponentJs } from '../../src/runtime/wasm-thread/entry-loader.js';
import { precompile } from '../../src/wasm/precompile.js';
import { ROOT } from './helpers/harness.js';

const work = mkdtempSync(join(tmpdir(), 'weft-entry-loader-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('loadComponentJs', () => {
  it('compiles jco output as a script, writes the cache once, and reuses it', async () => {
    await precompile(readFileSync(join(ROOT, 'apps/hello/app.wasm')), join(work, 'hello'));
    const url = pathToFileURL(join(work, 'hello', 'component.js')).href;
    const cacheDir = join(work, 'v8');
    const first = await loadComponentJs(url, cacheDir);
    expect(typeof first.instantiate).toBe('function');
    first.saveCodeCache();
    const written = readdirSync(cacheDir);
    expect(written).toHaveLength(1);
    const second = await loadComponentJs(url, cacheDir);
    expect(typeof second.instantiate).toBe('function');
    second.saveCodeCache(); // accepted cache: nothing new to write
    expect(readdirSync(cacheDir)).toEqual(written);
  });

  it('imports anything that does not look like jco output, without a cache', async () => {
    const path = join(work, 'other.mjs');
    writeFileSync(path, "import { sep } from 'node:path';\nexport function instantiate() { return sep; }\n");
    const entry = await loadComponentJs(pathToFileURL(path).href, join(work, 'v8-other'));
    expect((entry.instantiate as unknown as () => string)()).toBe('/');
    entry.saveCodeCache();
    expect(existsSync(join(work, 'v8-other'))).toBe(false);
  });
});
