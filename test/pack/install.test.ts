// Install and uninstall: the store layout, refusals, --force, WEFT directories, concurrent installs and kill -9 at every stage.
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, readlink, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, weftHash, GOLDEN, installApi, listing, runCli, startCli, visibleListing, waitForStderr, workspaceForSuite } from './helpers.js';

const HELLO = join(GOLDEN, 'valid', 'core-hello', 'package');
const HELLO_ID = 'org.example.golden.hello';
const WEFT = join(GOLDEN, 'valid', 'component-weft', 'package');
const WEFT_ID = 'org.example.golden.weft';

let api: Awaited<ReturnType<typeof installApi>>;
const { env, freshPath } = workspaceForSuite('install', async () => {
  api = await installApi();
});
const freshStore = (): string => freshPath('store');

async function garbage(root: string): Promise<{ staging: string[]; unreferenced: string[] }> {
  const staging = await readdir(join(root, '.weft', 'staging')).catch(() => [] as string[]);
  const referenced = new Set<string>();
  for (const name of await readdir(root)) {
    if (name.startsWith('.')) continue;
    const stats = await lstat(join(root, name));
    if (stats.isSymbolicLink()) referenced.add((await readlink(join(root, name))).split('/')[2] as string);
  }
  const installs = await readdir(join(root, '.weft', 'installs')).catch(() => [] as string[]);
  return { staging, unreferenced: installs.filter((n) => !referenced.has(n)) };
}

describe('installPackage', () => {
  it('stages, records and commits with a relative symlink into .weft/installs', async () => {
    const root = freshStore();
    const progress: string[] = [];
    const result = await api.installPackage(HELLO, { root, onProgress: (m) => progress.push(m) });
    expect(result.appId).toBe(HELLO_ID);
    expect(result.version).toBe('1.0.0');
    const link = await readlink(join(root, HELLO_ID));
    expect(link).toMatch(new RegExp(`^\\.weft/installs/${HELLO_ID.replace(/\./g, '\\.')}-\\d+-[0-9a-f]+/package$`));
    expect(await realpath(join(root, HELLO_ID))).toBe(result.packageDir);

    const record = JSON.parse(await readFile(join(result.installDir, 'record.json'), 'utf8'));
    const moduleBytes = await readFile(join(HELLO, 'app.wasm'));
    expect(record).toMatchObject({
      format: 1,
      app_id: HELLO_ID,
      version: '1.0.0',
      module_kind: 'core',
      module_sha256: createHash('sha256').update(moduleBytes).digest('hex'),
      content_sha256: await weftHash(HELLO),
      signed_by: null,
    });
    expect(record.precompiled.dir).toBe('precompiled');
    expect((await lstat(join(result.installDir, 'precompiled', record.precompiled.entry))).isFile()).toBe(true);
    expect(progress.some((m) => m.startsWith('precompiling'))).toBe(true);
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });

  it('refuses an installed id without force, leaving the store as it was', async () => {
    const root = freshStore();
    await api.installPackage(HELLO, { root });
    const before = await listing(root);
    await expect(api.installPackage(HELLO, { root })).rejects.toMatchObject({
      code: 'ALREADY_INSTALLED',
      message: expect.stringContaining(`${HELLO_ID} is already installed in ${root} (version 1.0.0); use --force`),
    });
    expect(await listing(root)).toEqual(before);
  });

  it('refuses an invalid package before creating anything', async () => {
    const root = freshStore();
    await expect(api.installPackage(join(GOLDEN, 'invalid', 'core-imports-env'), { root })).rejects.toMatchObject({ code: 'INVALID_PACKAGE' });
    await expect(lstat(root)).rejects.toThrow();
  });

  it('--force swaps the link atomically, keeps app data, and deletes the old install', async () => {
    const root = freshStore();
    const first = await api.installPackage(HELLO, { root });
    await mkdir(join(root, HELLO_ID, 'data'));
    await writeFile(join(root, HELLO_ID, 'data', 'notes.txt'), 'keep me');
    const second = await api.installPackage(HELLO, { root, force: true });
    expect(second.replaced).toBe(true);
    expect(second.installDir).not.toBe(first.installDir);
    await expect(lstat(first.installDir)).rejects.toThrow();
    expect(await readFile(join(root, HELLO_ID, 'data', 'notes.txt'), 'utf8')).toBe('keep me');
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });

  it('exactly one of two concurrent installs of one id wins', async () => {
    const root = freshStore();
    const outcomes = await Promise.allSettled([api.installPackage(HELLO, { root }), api.installPackage(HELLO, { root })]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'ALREADY_INSTALLED' });
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });

  it('adopts a leftover data-only directory and replaces a WEFT-installed directory only with force', async () => {
    const root = freshStore();
    await mkdir(join(root, HELLO_ID, 'data'), { recursive: true });
    await writeFile(join(root, HELLO_ID, 'data', 'x'), 'old data');
    const adopted = await api.installPackage(HELLO, { root });
    expect(await readFile(join(adopted.packageDir, 'data', 'x'), 'utf8')).toBe('old data');

    // WEFT installs by copying the package to <root>/<id>.
    await cp(WEFT, join(root, WEFT_ID), { recursive: true });
    await expect(api.installPackage(WEFT, { root })).rejects.toMatchObject({ code: 'ALREADY_INSTALLED' });
    const replaced = await api.installPackage(WEFT, { root, force: true });
    expect(replaced.replaced).toBe(true);
    expect((await lstat(join(root, WEFT_ID))).isSymbolicLink()).toBe(true);
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });
});

describe('uninstallPackage', () => {
  it('unlinks, deletes the install dir, and says when nothing is installed', async () => {
    const root = freshStore();
    const installed = await api.installPackage(HELLO, { root });
    expect(await api.uninstallPackage(HELLO_ID, { root })).toEqual({ appId: HELLO_ID, root, removed: 'link' });
    await expect(lstat(join(root, HELLO_ID))).rejects.toThrow();
    await expect(lstat(installed.installDir)).rejects.toThrow();
    await expect(api.uninstallPackage(HELLO_ID, { root })).rejects.toMatchObject({ code: 'NOT_INSTALLED', message: `${HELLO_ID} is not installed in ${root}` });
    await expect(api.uninstallPackage('../../etc', { root })).rejects.toMatchObject({ code: 'NOT_INSTALLED', message: expect.stringContaining('is not an app id') });
  });

  it('removes a plain directory installed by WEFT', async () => {
    const root = freshStore();
    await cp(HELLO, join(root, HELLO_ID), { recursive: true });
    const listed = await runCli(['list', '--store', root, '--json'], { env });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ app_id: HELLO_ID, installed_by_weft: false }]);
    const result = await runCli(['uninstall', HELLO_ID, '--store', root], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(root)).toEqual(['.weft']);
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });
});

describe('the CLI under concurrency and kill -9', () => {
  it('two CLI installs of one id at the same moment: one wins, the other is told clearly', async () => {
    const root = freshStore();
    // Both pause just before committing, so they reach the commit point together.
    const pausedEnv = { ...env, WEFT_PACK_TEST_PAUSE_AT: 'moved', WEFT_PACK_TEST_PAUSE_MS: '1500' };
    const [a, b] = await Promise.all([runCli(['install', HELLO, '--store', root], { env: pausedEnv }), runCli(['install', HELLO, '--store', root], { env: pausedEnv })]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toContain(`weft-pack: ${HELLO_ID} is already installed in ${root}`);
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
    const list = JSON.parse((await runCli(['list', '--store', root, '--json'], { env })).stdout);
    expect(list.map((r: { app_id: string }) => r.app_id)).toEqual([HELLO_ID]);
  });

  for (const stage of ['staged', 'checked', 'precompiled', 'moved'] as const) {
    it(`kill -9 at "${stage}": the store is as before, and the next install succeeds and cleans up`, async () => {
      const root = freshStore();
      await api.installPackage(WEFT, { root }); // something already installed
      const before = await visibleListing(root);
      const child = startCli(['install', HELLO, '--store', root], { env: { ...env, WEFT_PACK_TEST_PAUSE_AT: stage } });
      const done = collect(child);
      await waitForStderr(child, `test pause at ${stage}`);
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      expect(await visibleListing(root)).toEqual(before);
      const listed = JSON.parse((await runCli(['list', '--store', root, '--json'], { env })).stdout);
      expect(listed.map((r: { app_id: string }) => r.app_id)).toEqual([WEFT_ID]);

      const again = await runCli(['install', HELLO, '--store', root], { env });
      expect(again.code, again.stderr).toBe(0);
      expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
    });
  }

  it('kill -9 during a --force replacement leaves the old install in place', async () => {
    const root = freshStore();
    await api.installPackage(HELLO, { root });
    const before = await visibleListing(root);
    const child = startCli(['install', HELLO, '--store', root, '--force'], { env: { ...env, WEFT_PACK_TEST_PAUSE_AT: 'moved' } });
    const done = collect(child);
    await waitForStderr(child, 'test pause at moved');
    child.kill('SIGKILL');
    await done;
    expect(await visibleListing(root)).toEqual(before);
    await api.uninstallPackage(HELLO_ID, { root }); // also collects the killed install's leftovers
    expect(await garbage(root)).toEqual({ staging: [], unreferenced: [] });
  });

  it('cleaning up never touches another live install', async () => {
    const root = freshStore();
    const slow = startCli(['install', HELLO, '--store', root], { env: { ...env, WEFT_PACK_TEST_PAUSE_AT: 'moved', WEFT_PACK_TEST_PAUSE_MS: '4000' } });
    const slowDone = collect(slow);
    await waitForStderr(slow, 'test pause at moved');
    const other = await runCli(['install', WEFT, '--store', root], { env }); // runs the garbage collector meanwhile
    expect(other.code, other.stderr).toBe(0);
    const slowResult = await slowDone;
    expect(slowResult.code, slowResult.stderr).toBe(0);
    const listed = JSON.parse((await runCli(['list', '--store', root, '--json'], { env })).stdout);
    expect(listed.map((r: { app_id: string }) => r.app_id).sort()).toEqual([HELLO_ID, WEFT_ID]);
  });
});
