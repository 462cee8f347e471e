// Loading: usage errors, unknown apps, bad packages, the install record's hash and precompiled form (and the on-the-fly fallback).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPackage, type InstallResult } from '../../src/pack/install.js';
import { precompile } from '../../src/wasm/precompile.js';
import { homeForSuite, installFixture, ROOT, runRuntime } from './helpers/harness.js';

const home = homeForSuite();

describe('command line', () => {
  it('usage errors exit 2 with the reason and the usage', async () => {
    const none = await runRuntime(home, []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^weft-runtime: expected <app_id> and <session_id>\nusage: weft-runtime/);
    const unknown = await runRuntime(home, ['org.x.y', '1', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --bogus/);
    const badPreopen = await runRuntime(home, ['org.x.y', '1', '--preopen', '/tmp']);
    expect(badPreopen.stderr).toMatch(/expected HOST::GUEST/);
  });

  it('--help prints the usage and exits 0', async () => {
    const result = await runRuntime(home, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: weft-runtime <app_id> <session_id>/);
  });
});

describe('load failures exit 125 with one line on stderr', () => {
  it('an app that is not installed', async () => {
    const result = await runRuntime(home, ['org.weft.missing', '1']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/^weft-runtime: app "org.weft.missing" is not installed \(looked in .*store\)/);
  });

  it('an app.wasm that is not WebAssembly', async () => {
    const id = installFixture(home, 'hello');
    writeFileSync(join(home.store, id, 'app.wasm'), '#!/bin/sh\necho hi\n');
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/app\.wasm: not a WebAssembly binary/);
    rmSync(join(home.store, id), { recursive: true });
  });

  it('a manifest whose id differs from the directory it is installed under', async () => {
    const id = installFixture(home, 'hello');
    const moved = 'org.weft.test.renamed';
    mkdirSync(join(home.store, moved));
    writeFileSync(join(home.store, moved, 'app.wasm'), readFileSync(join(home.store, id, 'app.wasm')));
    writeFileSync(join(home.store, moved, 'wapp.toml'), readFileSync(join(home.store, id, 'wapp.toml')));
    const result = await runRuntime(home, [moved, '1']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/declares id "org.weft.test.hello" but is installed as "org.weft.test.renamed"/);
  });
});

describe('installed with a record (weft-pack layout, made by hand here)', () => {
  let id: string;
  let packageDir: string;
  let installDir: string;
  beforeAll(async () => {
    const source = join(ROOT, 'apps', 'hello');
    id = 'org.weft.test.hello';
    installDir = join(home.root, 'store2', '.weft', 'installs', `${id}-1`);
    packageDir = join(installDir, 'package');
    mkdirSync(packageDir, { recursive: true });
    const wasm = readFileSync(join(source, 'app.wasm'));
    writeFileSync(join(packageDir, 'app.wasm'), wasm);
    writeFileSync(join(packageDir, 'wapp.toml'), readFileSync(join(source, 'wapp.toml')));
    const precompiled = await precompile(wasm, join(installDir, 'precompiled'));
    const record = {
      format: 1,
      app_id: id,
      name: 'Hello',
      version: '1.0.0',
      module_sha256: createHash('sha256').update(wasm).digest('hex'),
      module_kind: 'core',
      content_sha256: '0'.repeat(64),
      installed_at: new Date(0).toISOString(),
      signed_by: null,
      precompiled,
    };
    writeFileSync(join(installDir, 'record.json'), JSON.stringify(record));
    symlinkSync(join('.weft', 'installs', `${id}-1`, 'package'), join(home.root, 'store2', id));
  });
  const env = (): NodeJS.ProcessEnv => ({ WEFT_APP_STORE: join(home.root, 'store2') });

  it('runs from the precompiled form, without transpiling', async () => {
    const result = await runRuntime(home, [id, '1'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('READY\nhello from weft\n');
    expect(result.stderr).toBe('');
  });

  it('falls back to an on-the-fly transpile, and says so, when the precompiled files are gone', async () => {
    rmSync(join(installDir, 'precompiled', 'component.js'));
    const result = await runRuntime(home, [id, '1'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/names .*component\.js, which is missing; transpiling app\.wasm on the fly instead/);
    expect(result.stderr).toMatch(/has no precompiled form|on-the-fly transpile/);
  });

  it('refuses an app.wasm that changed since install (sha256 mismatch)', async () => {
    const wasm = readFileSync(join(packageDir, 'app.wasm'));
    const last = wasm.length - 1;
    wasm[last] = (wasm[last] ?? 0) ^ 0xff;
    writeFileSync(join(packageDir, 'app.wasm'), wasm);
    const result = await runRuntime(home, [id, '1'], { env: env() });
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/app\.wasm changed since it was installed \(sha256 [0-9a-f]{64}, install record [0-9a-f]{64}\); reinstall/);
  });
});

describe('precompiled integrity: the runtime checks the hashes weft-pack install recorded', () => {
  let installed: InstallResult;
  const store = (): string => join(home.root, 'store3');
  const env = (): NodeJS.ProcessEnv => ({ WEFT_APP_STORE: store() });
  const precompiledDir = (): string => join(installed.installDir, installed.record.precompiled!.dir);
  const reinstall = async (): Promise<void> => {
    installed = await installPackage(join(ROOT, 'apps', 'hello'), { root: store(), force: true });
  };
  /** Flips one byte of `name` in the precompiled dir. */
  const tamper = (name: string): void => {
    const path = join(precompiledDir(), name);
    const bytes = readFileSync(path);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);
  };
  beforeAll(reinstall);

  it('the record holds a SHA-256 for every file the runtime loads, and the app runs', async () => {
    const files = installed.record.precompiled!.files!;
    expect(Object.keys(files).sort()).toEqual(expect.arrayContaining(['component.js']));
    expect(Object.keys(files).some((name) => name.endsWith('.wasm'))).toBe(true);
    for (const [name, hash] of Object.entries(files)) expect(createHash('sha256').update(readFileSync(join(precompiledDir(), name))).digest('hex')).toBe(hash);
    const result = await runRuntime(home, [installed.appId, '1'], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(['component.core.wasm', 'component.js'])('a changed %s is refused with an error that says to reinstall', async (name) => {
    await reinstall();
    tamper(name);
    const result = await runRuntime(home, [installed.appId, '1'], { env: env() });
    expect(result.code).toBe(125);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`${name.replace(/\./g, '\\.')} changed since it was installed \\(sha256 [0-9a-f]{64}, install record [0-9a-f]{64}\\); reinstall it with weft-pack install --force`));
  });

  it('a core module that weft-pack did not write is refused', async () => {
    await reinstall();
    writeFileSync(join(precompiledDir(), 'extra.wasm'), readFileSync(join(precompiledDir(), 'component.core.wasm')));
    const result = await runRuntime(home, [installed.appId, '1'], { env: env() });
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/extra\.wasm is not one of the precompiled files weft-pack installed; reinstall it/);
  });

  it('a record without hashes is refused, not trusted', async () => {
    await reinstall();
    const recordPath = join(installed.installDir, 'record.json');
    const record = JSON.parse(readFileSync(recordPath, 'utf8'));
    delete record.precompiled.files;
    writeFileSync(recordPath, JSON.stringify(record));
    const result = await runRuntime(home, [installed.appId, '1'], { env: env() });
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/install record holds no hashes of the precompiled files .*; reinstall it with weft-pack install --force/);
  });
});

describe('a package put in the store by hand', () => {
  it('is transpiled on the fly, and the runtime logs that it did', async () => {
    const id = installFixture(home, 'hello');
    const result = await runRuntime(home, [id, '1'], { env: { XDG_CACHE_HOME: join(home.root, 'fresh-cache') } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^weft-runtime: org\.weft\.test\.hello: it was not installed by weft-pack \(no install record\); transpiled app\.wasm on the fly in \d+ ms \(cached in .*fresh-cache/m);
    const again = await runRuntime(home, [id, '1'], { env: { XDG_CACHE_HOME: join(home.root, 'fresh-cache') } });
    expect(again.stderr).toMatch(/using the on-the-fly transpile cached in/);
  });
});
