// The filesystem sandbox: only granted preopens, no way out (one test per escape route), read-only grants are read-only, --preopen is checked.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildC, hasClang } from './helpers/build.js';
import { homeForSuite, installFixture, installModule, type RunResult, runRuntime } from './helpers/harness.js';

let outside: string;
const home = homeForSuite((home) => {
  // A host directory the apps must never reach.
  outside = join(home.root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwd'), 'root:x:0:0\n');
  writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
});

function routes(stdout: string): Map<string, string> {
  return new Map([...stdout.matchAll(/^ROUTE (\S+) (.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

describe('escape fixture: every route out of /data is denied', () => {
  let result: RunResult;
  let id: string;
  beforeAll(async () => {
    id = installFixture(home, 'escape');
    const data = home.dataDir(id);
    mkdirSync(data, { recursive: true });
    symlinkSync(outside, join(data, 'planted')); // planted before launch, pointing outside
    result = await runRuntime(home, [id, '1']);
  });

  const ROUTES = ['dotdot-file', 'dotdot-dir', 'relative', 'absolute', 'etc-dir', 'abs-symlink', 'rel-symlink', 'planted', 'opendir-root', 'rename-out', 'hardlink-out', 'hardlink-in'];
  it.each(ROUTES)('route %s is DENIED', (route) => {
    expect(routes(result.stdout).get(route), result.stdout + result.stderr).toMatch(/^DENIED /);
  });

  it('reports no escape and exits 0', () => {
    expect(result.stdout).toMatch(/ESCAPE-SUMMARY denied=12 escaped=0/);
    expect(result.code).toBe(0);
  });

  it('left nothing outside /data', () => {
    const appDir = dirname(home.dataDir(id));
    expect(readdirSync(appDir)).toEqual(['data']);
    expect(readdirSync(outside).sort()).toEqual(['passwd', 'secret.txt']);
  });
});

describe.skipIf(!hasClang)('descriptor drift (a directory swapped for a planted symlink after it was opened)', () => {
  let result: RunResult;
  beforeAll(async () => {
    const id = installModule(home, 'org.test.drift', await buildC('drift'), { capabilities: ['fs:rw:app-data'] });
    mkdirSync(home.dataDir(id), { recursive: true });
    symlinkSync(outside, join(home.dataDir(id), 'planted'));
    result = await runRuntime(home, [id, '1']);
  });

  it.each(['drift-read', 'drift-create', 'drift-stat', 'drift-mkdir', 'drift-unlink', 'drift-list'])('route %s is DENIED', (route) => {
    expect(routes(result.stdout).get(route), result.stdout + result.stderr).toMatch(/^DENIED /);
  });

  it('left the outside directory untouched', () => {
    expect(result.stdout).toContain('DRIFT-SUMMARY escaped=0');
    expect(readdirSync(outside).sort()).toEqual(['passwd', 'secret.txt']);
  });
});

describe('files fixture with fs:rw:app-data', () => {
  it('writes, reads, appends and lists /data, which is the app-data dir on the host', async () => {
    const id = installFixture(home, 'files');
    const first = await runRuntime(home, [id, '1']);
    expect(first.stdout).toContain('files: ok');
    expect(first.code).toBe(0);
    const second = await runRuntime(home, [id, '2']);
    expect(second.stdout).toContain('now 2 lines');
    expect(readFileSync(join(home.dataDir(id), 'hello.txt'), 'utf8')).toBe('hello from weft files\n');
  });
});

describe.skipIf(!hasClang)('a read-only grant (fs:read:app-data) is read-only', () => {
  let result: RunResult;
  let data: string;
  beforeAll(async () => {
    const id = installModule(home, 'org.test.readonly', await buildC('readonly'), { capabilities: ['fs:read:app-data'] });
    data = home.dataDir(id);
    mkdirSync(join(data, 'subdir'), { recursive: true });
    writeFileSync(join(data, 'existing.txt'), 'original content\n');
    result = await runRuntime(home, [id, '1']);
  });

  it('reads and lists', () => {
    expect(result.stdout).toContain('READ original content');
    expect(result.stdout).toContain('LIST ok');
  });

  const OPS = ['create', 'open-write', 'open-rdwr', 'truncate-open', 'append', 'truncate', 'mkdir', 'rmdir', 'unlink', 'rename', 'symlink', 'link', 'utimes', 'ftruncate', 'write-rdonly-fd'];
  it.each(OPS)('%s is refused', (op) => {
    expect(result.stdout, result.stderr).toMatch(new RegExp(`^OP ${op} DENIED`, 'm'));
  });

  it('changed nothing on the host', () => {
    expect(readFileSync(join(data, 'existing.txt'), 'utf8')).toBe('original content\n');
    expect(readdirSync(data).sort()).toEqual(['existing.txt', 'subdir']);
  });
});

describe.skipIf(!hasClang)('the data quota ([limits] data_max_mb)', () => {
  it('writes past it fail in the app with EDQUOT, the runtime says so on stderr, and freeing space gives it back', async () => {
    const id = installModule(home, 'org.test.quota', await buildC('quota'), { capabilities: ['fs:rw:app-data'], extraToml: '\n[limits]\ndata_max_mb = 1\n' });
    mkdirSync(home.dataDir(id), { recursive: true });
    writeFileSync(join(home.dataDir(id), 'already.bin'), Buffer.alloc(256 * 1024)); // counted at open
    const result = await runRuntime(home, [id, '1']);
    const wrote = /^WROTE (\d+) ERRNO (\S+)$/m.exec(result.stdout);
    expect(wrote, result.stdout + result.stderr).not.toBeNull();
    expect(wrote?.[2]).toBe('EDQUOT');
    expect(Number(wrote?.[1])).toBeLessThanOrEqual(1024 * 1024 - 256 * 1024);
    expect(Number(wrote?.[1])).toBeGreaterThanOrEqual(512 * 1024);
    expect(result.stdout).toContain('AFTER-UNLINK ok');
    expect(result.stderr).toMatch(/weft-runtime: data quota: \/data holds .* MiB and a write of \d+ bytes would pass its quota of 1 MiB \(\[limits\] data_max_mb, capped by WEFT_MAX_DATA_MB\)/);
  });

  it('the user ceiling WEFT_MAX_DATA_MB lowers a larger manifest quota', async () => {
    const id = installModule(home, 'org.test.quota2', await buildC('quota'), { capabilities: ['fs:rw:app-data'], extraToml: '\n[limits]\ndata_max_mb = 100\n' });
    const result = await runRuntime(home, [id, '1'], { env: { WEFT_MAX_DATA_MB: '1' } });
    expect(result.stdout).toMatch(/^WROTE \d+ ERRNO EDQUOT$/m);
  });
});

describe.skipIf(!hasClang)('WEFT_UNSAFE_NO_JS_GUARD=1 (test-only)', () => {
  it('turns the JS guard off, so kernel-only tests really test the kernel layer alone', async () => {
    const id = installModule(home, 'org.test.noguard', await buildC('readonly'), { capabilities: ['fs:read:app-data'] });
    mkdirSync(home.dataDir(id), { recursive: true });
    writeFileSync(join(home.dataDir(id), 'existing.txt'), 'original content\n');
    const guarded = await runRuntime(home, [id, '1']);
    expect(guarded.stdout).toMatch(/^OP create DENIED/m);
    const bare = await runRuntime(home, [id, '1'], { env: { WEFT_UNSAFE_NO_JS_GUARD: '1' } });
    // Without the guard nothing enforces a read-only grant but the kernel layer (absent here).
    expect(bare.stdout, bare.stderr).toMatch(/^OP create ALLOWED/m);
  });
});

describe('--preopen from the command line', () => {
  it('is accepted when it is exactly a granted mapping', async () => {
    const id = installFixture(home, 'files');
    mkdirSync(home.dataDir(id), { recursive: true });
    const result = await runRuntime(home, [id, '1', '--preopen', `${home.dataDir(id)}::/data`]);
    expect(result.code).toBe(0);
  });

  it('is refused, with the reason, when it maps something the manifest does not grant', async () => {
    const id = installFixture(home, 'files');
    const other = await runRuntime(home, [id, '1', '--preopen', `${outside}::/data`]);
    expect(other.code).toBe(125);
    expect(other.stderr).toMatch(/--preopen .* refused: fs:rw:app-data maps \/data to .*, not .*outside/);
    const ungranted = await runRuntime(home, [id, '1', '--preopen', `${outside}::/xdg/documents`]);
    expect(ungranted.code).toBe(125);
    expect(ungranted.stderr).toMatch(/refused: no granted capability maps anything to \/xdg\/documents/);
  });
});

describe.skipIf(!hasClang)('preopens come only from grants', () => {
  it('an app without fs grants sees no filesystem; with xdg-documents it sees /xdg/documents', async () => {
    const wasm = await buildC('env-args');
    const none = await runRuntime(home, [installModule(home, 'org.test.nofs', wasm), '1']);
    expect(none.stdout).toMatch(/^PATH \/data (?!visible)/m);
    expect(none.stdout).not.toMatch(/visible/);
    mkdirSync(home.env.XDG_DOCUMENTS_DIR as string, { recursive: true });
    const docs = await runRuntime(home, [installModule(home, 'org.test.docs', wasm, { capabilities: ['fs:read:xdg-documents'] }), '1']);
    expect(docs.stdout).toMatch(/^PATH \/xdg\/documents visible$/m);
    expect(docs.stdout).toMatch(/^PATH \/data (?!visible)/m);
    expect(existsSync(home.dataDir('org.test.docs'))).toBe(false);
  });
});
