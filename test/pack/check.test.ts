// checkPackage cases the golden files cannot hold: FIFOs, control characters, caps, symlinked directories, a missing directory.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage, checkPassed } from '../../src/pack/check.js';
import { formatProblem } from '../../src/manifest/problem.js';
import { FIXTURES, GOLDEN, workspaceForSuite } from './helpers.js';

const HELLO = join(GOLDEN, 'valid', 'core-hello', 'package');
const { dir: work, copyOf } = workspaceForSuite('check');
const copy = (): Promise<string> => copyOf(HELLO);

async function lines(dir: string, limits?: Parameters<typeof checkPackage>[1]): Promise<string[]> {
  return (await checkPackage(dir, limits)).problems.map(formatProblem);
}

describe('checkPackage', () => {
  it('passes the golden hello package and returns the module facts', async () => {
    const report = await checkPackage(HELLO);
    expect(report.problems).toEqual([]);
    expect(checkPassed(report)).toBe(true);
    expect(report.manifest?.id).toBe('org.example.golden.hello');
    expect(report.module?.info.kind).toBe('core');
  });

  it('refuses a FIFO and a name with a control character', async () => {
    const dir = await copy();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await writeFile(join(dir, 'bad\tname'), 'x');
    expect(await lines(dir)).toEqual([
      'error: "bad\\tname": has a control character in its name, which would break the signature listing\n  hint: rename it',
      'error: pipe: is a named pipe (FIFO); a package may hold only files, directories and symlinks\n  hint: remove it from the package',
    ]);
  });

  it('follows the module through a symlinked directory only while it stays inside', async () => {
    const dir = await copy();
    const outside = join(work, 'outside');
    await mkdir(outside, { recursive: true });
    await cp(join(FIXTURES, 'hello.wasm'), join(outside, 'app.wasm'));
    const manifest = await readFile(join(HELLO, 'wapp.toml'), 'utf8');
    await writeFile(join(dir, 'wapp.toml'), manifest.replace('module = "app.wasm"', 'module = "bin/app.wasm"'));
    await symlink(outside, join(dir, 'bin'));
    const problems = await lines(dir);
    expect(problems).toContain('error: bin: is a symlink to the absolute path "' + outside + '"; symlinks in a package must be relative and stay inside it\n  hint: replace it with the file, or a relative symlink');
    expect(problems).toContain('error: runtime.module: "bin/app.wasm" goes through a symlinked directory that leads outside the package');
  });

  it('warns about a dangling symlink', async () => {
    const dir = await copy();
    await symlink('nowhere.txt', join(dir, 'dangling'));
    expect(await lines(dir)).toEqual(['warning: dangling: is a symlink to "nowhere.txt", which does not exist']);
  });

  it('refuses a dangling symlink that would lead outside once its target exists, following links as the kernel does', async () => {
    const dir = await copy();
    await symlink('nowhere/../../elsewhere', join(dir, 'climbs'));
    await mkdir(join(dir, 'sub'));
    await symlink('..', join(dir, 'sub', 'up'));
    await symlink('sub/up/../not-yet', join(dir, 'through'));
    expect(await lines(dir)).toEqual([
      'error: climbs: is a symlink to "nowhere/../../elsewhere", which leads outside the package once its target exists (it does not yet)\n  hint: copy the file into the package instead of linking to it',
      'error: through: is a symlink to "sub/up/../not-yet", which leads outside the package\n  hint: copy the file into the package instead of linking to it',
    ]);
  });

  it('enforces the module size, file count and total size caps', async () => {
    const dir = await copy();
    const base = { maxEntries: 10_000, maxTotalBytes: 1 << 20, maxModuleBytes: 1 << 20 };
    expect(await lines(dir, { limits: { ...base, maxModuleBytes: 10 } })).toEqual([expect.stringMatching(/^error: runtime\.module: "app\.wasm" is \d+ bytes; the limit is 10 /)]);
    expect(await lines(dir, { limits: { ...base, maxEntries: 2 } })).toEqual(['error: .: has more than 2 files, directories and symlinks; the limit is 2']);
    expect(await lines(dir, { limits: { ...base, maxTotalBytes: 100 } })).toContain('error: .: holds more than 100 bytes of files; the limit is 100 bytes');
  });

  it('reports a missing directory and a file given as the directory', async () => {
    expect(await lines(join(work, 'missing'))).toEqual([`error: ${join(work, 'missing')}: does not exist`]);
    expect(await lines(join(HELLO, 'wapp.toml'))).toEqual([`error: ${join(HELLO, 'wapp.toml')}: is not a directory; give the package directory (the one holding wapp.toml)`]);
  });
});
