// Unit tests for precompile(): what weft-pack install writes, and the on-the-fly transpile cache the runtime falls back to.
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingEntryPointError, precompile, PRECOMPILED_INFO_FILE } from '../../src/wasm/precompile.js';
import { transpileToCache } from '../../src/wasm/transpile-cache.js';
import { ROOT } from './helpers/harness.js';

const work = mkdtempSync(join(tmpdir(), 'weft-precompile-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const COMMAND = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

describe('precompile', () => {
  it('wraps a preview1 module with the vendored adapter and writes an import-free ES module', async () => {
    const out = join(work, 'core');
    const progress: string[] = [];
    const info = await precompile(await parse(COMMAND), out, { onProgress: (m) => progress.push(m) });
    expect(info.dir).toBe('core');
    expect(info.entry).toBe('component.js');
    expect(info.transpiler).toMatch(/^@bytecodealliance\/jco-transpile@\d/);
    expect(info.adapter_sha256).toBe(/SHA-256: `([0-9a-f]{64})`/.exec(readFileSync(join(ROOT, 'vendor/wasi-preview1-adapter/README.md'), 'utf8'))?.[1]);
    expect(info.imports).toContain('wasi:cli/stdout');
    const source = readFileSync(join(out, 'component.js'), 'utf8');
    expect(source).toMatch(/export function instantiate\(getCoreModule, imports, instantiateCore/);
    expect(source).not.toMatch(/^import /m); // WASI arrives through the import object, never from preview2-shim
    expect(existsSync(join(out, 'component.core.wasm'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, PRECOMPILED_INFO_FILE), 'utf8')).module_kind).toBe('core');
    expect(progress.length).toBeGreaterThan(0);
  });

  it('takes a component as it is (no adapter)', async () => {
    const component = readFileSync(join(ROOT, 'apps/wasip2-shaped/app.wasm'));
    const info = await precompile(component, join(work, 'component'));
    expect(info.adapter_sha256).toBeNull();
    expect(info.imports).toEqual(expect.arrayContaining(['weft:app/notify', 'weft:app/ipc']));
  });

  it('refuses a core module without _start and a component without wasi:cli/run', async () => {
    await expect(precompile(await parse('(module (memory (export "memory") 1))'), join(work, 'no-start'))).rejects.toThrow(MissingEntryPointError);
    await expect(precompile(await parse('(component)'), join(work, 'no-run'))).rejects.toThrow(MissingEntryPointError);
  });
});

describe('transpileToCache', () => {
  it('transpiles once and reuses the result', async () => {
    const module = await parse(COMMAND);
    const cacheRoot = join(work, 'cache');
    const first = await transpileToCache(module, 'a'.repeat(64), cacheRoot);
    const second = await transpileToCache(module, 'a'.repeat(64), cacheRoot);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.dir).toBe(first.dir);
    expect(existsSync(join(first.dir, 'component.js'))).toBe(true);
  });
});

describe('precompiled integrity', () => {
  it('the install record holds a hash of every precompiled file, and the runtime refuses a changed one, saying to reinstall', async () => {
    const { installPackage } = await import('../../src/pack/install.js');
    const { makeHome, startRuntime } = await import('./helpers/harness.js');
    const { realpathSync, writeFileSync: write, readdirSync } = await import('node:fs');
    const home = makeHome();
    try {
      const installed = await installPackage(join(ROOT, 'apps', 'hello'), { root: home.store });
      const installDir = join(realpathSync(installed.entry), '..');
      const record = JSON.parse(readFileSync(join(installDir, 'record.json'), 'utf8')) as { precompiled: { dir: string; files: Record<string, string> } };
      const dir = join(installDir, record.precompiled.dir);
      expect(Object.keys(record.precompiled.files).sort()).toEqual(readdirSync(dir).sort());
      const good = startRuntime(home, [installed.appId, '1']);
      expect((await good.done).code).toBe(0);
      // One byte of the entry module changes: the runtime refuses to load any of it.
      const entry = join(dir, 'component.js');
      const source = readFileSync(entry);
      source.writeUInt8(source.readUInt8(source.length - 2) ^ 0x20, source.length - 2);
      write(entry, source);
      const bad = startRuntime(home, [installed.appId, '2']);
      const result = await bad.done;
      expect(result.code).toBe(125);
      expect(bad.stderr()).toMatch(/component\.js has changed since it was installed\); reinstall it with: weft-pack install --force/);
    } finally {
      home.cleanup();
    }
  });
});
