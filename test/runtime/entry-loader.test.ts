// Unit tests for loading component.js through vm.Script with its cached script form and V8 code cache, and the fallback to a plain import.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedScriptBody, glueCacheKey, loadComponentJs } from '../../src/runtime/wasm-thread/entry-loader.js';
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
    const written = readdirSync(cacheDir).sort();
    // The glue's script form and its V8 code cache, under one name.
    expect(written.map((name) => name.replace(/^[0-9a-f]{64}-[0-9a-f]{16}/, 'KEY'))).toEqual(['KEY.js', 'KEY.v8']);
    const second = await loadComponentJs(url, cacheDir);
    expect(typeof second.instantiate).toBe('function');
    second.saveCodeCache(); // both found and accepted: nothing new to write
    expect(readdirSync(cacheDir).sort()).toEqual(written);
  });

  it('the cache names the glue, not where it lies: the same component.js elsewhere (a standby\'s stage) hits it', async () => {
    await precompile(readFileSync(join(ROOT, 'apps/hello/app.wasm')), join(work, 'here'));
    cpSync(join(work, 'here'), join(work, 'staged', 'elsewhere'), { recursive: true });
    const cacheDir = join(work, 'v8-moved');
    const first = await loadComponentJs(pathToFileURL(join(work, 'here', 'component.js')).href, cacheDir);
    first.saveCodeCache();
    const written = readdirSync(cacheDir).sort();
    const cacheFiles = written.map((name) => statSync(join(cacheDir, name)).mtimeMs);
    const moved = await loadComponentJs(pathToFileURL(join(work, 'staged', 'elsewhere', 'component.js')).href, cacheDir);
    moved.saveCodeCache();
    expect(readdirSync(cacheDir).sort()).toEqual(written);
    expect(written.map((name) => statSync(join(cacheDir, name)).mtimeMs)).toEqual(cacheFiles);
  });

  it('runs the verified bytes it is given, not what the file holds by then, and names the cache by their hash', async () => {
    const path = join(work, 'swapped', 'component.js');
    mkdirSync(join(work, 'swapped'), { recursive: true });
    writeFileSync(path, "export function instantiate() { return 'from the file'; }\n");
    const bytes = new TextEncoder().encode("export function instantiate() { return 'verified'; }\n");
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const cacheDir = join(work, 'v8-verified');
    const entry = await loadComponentJs(pathToFileURL(path).href, cacheDir, { bytes, sha256 });
    expect((entry.instantiate as unknown as () => string)()).toBe('verified');
    entry.saveCodeCache();
    expect(readdirSync(cacheDir).sort()).toEqual([`${glueCacheKey(sha256)}.js`, `${glueCacheKey(sha256)}.v8`]);
    // Another glue is another name: the cached script of this one is never run for it.
    expect(glueCacheKey(createHash('sha256').update('other').digest('hex'))).not.toBe(glueCacheKey(sha256));
  });

  it('without a cache dir, still runs the verified bytes (as a data: URL), not the file', async () => {
    const path = join(work, 'swapped-nocache', 'component.js');
    mkdirSync(join(work, 'swapped-nocache'), { recursive: true });
    writeFileSync(path, "export function instantiate() { return 'from the file'; }\n");
    const bytes = new TextEncoder().encode("export function instantiate() { return 'verified'; }\n");
    const entry = await loadComponentJs(pathToFileURL(path).href, null, { bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect((entry.instantiate as unknown as () => string)()).toBe('verified');
  });

  describe('a damaged cached script is never run, and is made again', () => {
    const glue = "export function instantiate() { return 'glue'; }\n";
    const bytes = new TextEncoder().encode(glue);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const damages: [string, (file: string) => string][] = [
      ['emptied', () => ''],
      ['torn (a prefix of itself)', (file) => file.slice(0, Math.floor(file.length / 2))],
      ['edited, same length', (file) => file.replace("'glue'", "'evil'")],
      ['edited, header too', () => "// weft glue script sha256=00\n(function () { return { instantiate: () => 'evil' }; })"],
    ];
    for (const [what, damage] of damages) {
      it(what, async () => {
        const dir = mkdtempSync(join(work, 'damaged-'));
        const path = join(dir, 'component.js');
        writeFileSync(path, glue);
        const cacheDir = join(dir, 'v8');
        const first = await loadComponentJs(pathToFileURL(path).href, cacheDir, { bytes, sha256 });
        first.saveCodeCache();
        const scriptPath = join(cacheDir, `${glueCacheKey(sha256)}.js`);
        const good = readFileSync(scriptPath, 'utf8');
        expect(cachedScriptBody(good)).not.toBeNull();
        writeFileSync(scriptPath, damage(good));
        const again = await loadComponentJs(pathToFileURL(path).href, cacheDir, { bytes, sha256 });
        expect((again.instantiate as unknown as () => string)()).toBe('glue');
        again.saveCodeCache();
        expect(readFileSync(scriptPath, 'utf8')).toBe(good);
        expect(readdirSync(cacheDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      });
    }
  });

  it('writing a new entry prunes the entries of other glue (an older version) and leaves other files alone', async () => {
    const dir = mkdtempSync(join(work, 'prune-'));
    const cacheDir = join(dir, 'v8');
    mkdirSync(cacheDir);
    const old = `${'a'.repeat(64)}-${'b'.repeat(16)}`;
    for (const name of [`${old}.js`, `${old}.v8`, 'notes.txt', `${old}.js.${'1'.repeat(16)}.tmp`, `${old}.v8.${'2'.repeat(16)}.tmp`]) writeFileSync(join(cacheDir, name), 'x');
    // A killed writer's temporary file, an hour old, goes; a fresh one (a writer at work) stays.
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(cacheDir, `${old}.js.${'1'.repeat(16)}.tmp`), hourAgo, hourAgo);
    const path = join(dir, 'component.js');
    writeFileSync(path, "export function instantiate() { return 'new'; }\n");
    const entry = await loadComponentJs(pathToFileURL(path).href, cacheDir);
    entry.saveCodeCache();
    const names = readdirSync(cacheDir).sort();
    expect(names).toContain('notes.txt');
    expect(names.filter((name) => name.startsWith(old))).toEqual([`${old}.v8.${'2'.repeat(16)}.tmp`]);
    expect(names.filter((name) => /^[0-9a-f]{64}-[0-9a-f]{16}\.(js|v8)$/.test(name))).toHaveLength(2);
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
