// The JS filesystem guard alone (src/runtime/wasm-thread/sandbox/guarded-fs.ts over the real preview2-shim), one test per escape class, with real files and symlinks on disk and a concurrent flipper for link/rename.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGuardedFilesystem } from '../../src/runtime/wasm-thread/sandbox/guarded-fs.js';
import { loadShimIo } from '../../src/runtime/wasm-thread/shim-adapter/shim.js';

type Guarded = ReturnType<typeof createGuardedFilesystem>;
type Dir = InstanceType<Guarded['types']['Descriptor']>;

let root: string;
let data: string;
let outside: string;
let notes: string[];

/** Every file below `dir` with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    const info = lstatSync(path);
    out[name] = info.isFile() ? readFileSync(path, 'utf8') : info.isSymbolicLink() ? 'symlink' : 'dir';
  }
  return out;
}

async function guarded(writable = true, dataQuotaBytes: number | null = null): Promise<Dir> {
  const shim = (await loadShimIo()).filesystem;
  const fs = createGuardedFilesystem(shim, [{ guest: '/data', host: realpathSync(data), writable, capability: 'fs:rw:app-data' }], {
    checks: true,
    note: (m) => notes.push(m),
    dataQuotaBytes,
    ioError: (payload) => ({ payload }),
  });
  return fs.preopens.getDirectories()[0]![0];
}

function code(act: () => unknown): string {
  try {
    act();
    return 'ok';
  } catch (error) {
    return String(error);
  }
}

let before: Record<string, string>;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'weft-guard-'));
  data = join(root, 'home', 'app', 'data');
  outside = join(root, 'outside');
  mkdirSync(data, { recursive: true });
  mkdirSync(join(outside, 'sub'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
  writeFileSync(join(data, 'mine.txt'), 'app file\n');
  notes = [];
  before = snapshot(outside);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('symlinks the app creates never lead out', () => {
  it('refuses an absolute target, with a note naming the link and the rule', async () => {
    const dir = await guarded();
    expect(code(() => dir.symlinkAt('/etc', 'abs'))).toBe('not-permitted');
    expect(notes.join('\n')).toMatch(/refused to create the symlink "abs" -> "\/etc" under \/data: it is absolute/);
    // The app's text cannot break the line (each note is one line of weft-appd's log).
    expect(code(() => dir.symlinkAt('/x\nweft-runtime: forged', 'evil\nname'))).toBe('not-permitted');
    expect(notes.at(-1)).not.toContain('\n');
  });

  it('refuses any target containing "..", even one that normalises to inside (a -> . then t -> a/a/../..)', async () => {
    const dir = await guarded();
    expect(code(() => dir.symlinkAt('.', 'a'))).toBe('ok');
    expect(code(() => dir.symlinkAt('a/a/../..', 't'))).toBe('not-permitted');
    expect(code(() => dir.symlinkAt('../outside', 'up'))).toBe('not-permitted');
    expect(code(() => dir.symlinkAt('sub/..', 'x'))).toBe('not-permitted');
    expect(notes.join('\n')).toMatch(/it contains "\.\."/);
    expect(readdirSync(data).sort()).toEqual(['a', 'mine.txt']);
  });

  it('notes at most 10 refusals per session (the app decides how often it is refused; each note is a log line)', async () => {
    const dir = await guarded();
    for (let i = 0; i < 50; i += 1) expect(code(() => dir.symlinkAt('/etc', `abs${i}`))).toBe('not-permitted');
    expect(notes).toHaveLength(11);
    expect(notes[10]).toMatch(/10 notes written; further refusals in this session are not logged/);
  });

  it('accepts a relative target that only leads down', async () => {
    const dir = await guarded();
    expect(code(() => dir.symlinkAt('mine.txt', 'link'))).toBe('ok');
    expect(readFileSync(join(data, 'link'), 'utf8')).toBe('app file\n');
  });
});

describe('entry-changing calls through a planted symlink to the host are refused', () => {
  beforeEach(() => symlinkSync(outside, join(data, 'planted')));

  it.each([
    ['mkdir', (d: Dir) => d.createDirectoryAt('planted/new')],
    ['rmdir', (d: Dir) => d.removeDirectoryAt('planted/sub')],
    ['unlink', (d: Dir) => d.unlinkFileAt('planted/secret.txt')],
    ['symlink', (d: Dir) => d.symlinkAt('x', 'planted/l')],
    ['link out', (d: Dir) => d.linkAt({}, 'mine.txt', d, 'planted/copy')],
    ['link in', (d: Dir) => d.linkAt({}, 'planted/secret.txt', d, 'stolen')],
    ['link in following the final symlink', (d: Dir) => d.linkAt({ symlinkFollow: true }, 'planted', d, 'stolen')],
    ['rename out', (d: Dir) => d.renameAt('mine.txt', d, 'planted/moved')],
    ['rename in', (d: Dir) => d.renameAt('planted/secret.txt', d, 'stolen')],
    ['rename a dir out', (d: Dir) => d.renameAt('planted/sub', d, 'sub2')],
  ])('%s', async (_name, act) => {
    const dir = await guarded();
    const result = code(() => act(dir));
    // link-in following the final symlink links the symlink itself (inside) or is refused; never the host file.
    if (result === 'ok') expect(lstatSync(join(data, 'stolen')).isSymbolicLink()).toBe(true);
    else expect(result).toMatch(/not-permitted|is-directory|not-directory/);
    expect(snapshot(outside)).toEqual(before);
    expect(readdirSync(data).filter((n) => n === 'stolen' || n === 'sub2').every((n) => lstatSync(join(data, n)).isSymbolicLink())).toBe(true);
  });

  it('opening, creating and stating through it are refused', async () => {
    const dir = await guarded();
    expect(code(() => dir.openAt({ symlinkFollow: true }, 'planted/secret.txt', {}, { read: true }))).not.toBe('ok');
    expect(code(() => dir.openAt({ symlinkFollow: true }, 'planted/created', { create: true }, { write: true }))).not.toBe('ok');
    expect(snapshot(outside)).toEqual(before);
  });
});

describe('a directory handle re-resolves and re-checks its path at each use', () => {
  it('a handle whose directory was swapped for a symlink to the host lists, opens and creates nothing there', async () => {
    const dir = await guarded();
    mkdirSync(join(data, 'd'));
    const handle = dir.openAt({ symlinkFollow: false }, 'd', { directory: true }, { read: true });
    renameSync(join(data, 'd'), join(data, 'd-away'));
    symlinkSync(outside, join(data, 'd'));
    expect(code(() => handle.readDirectory())).toBe('not-permitted');
    expect(code(() => handle.openAt({}, 'secret.txt', {}, { read: true }))).toBe('not-permitted');
    expect(code(() => handle.statAt({}, 'secret.txt'))).toBe('not-permitted');
    expect(code(() => handle.createDirectoryAt('new'))).toBe('not-permitted');
    expect(code(() => handle.linkAt({}, 'secret.txt', dir, 'stolen'))).toBe('not-permitted');
    expect(code(() => dir.renameAt('mine.txt', handle, 'moved'))).toBe('not-permitted');
    expect(snapshot(outside)).toEqual(before);
  });
});

describe('a read-only grant', () => {
  it('refuses every entry change', async () => {
    const dir = await guarded(false);
    for (const act of [() => dir.createDirectoryAt('x'), () => dir.unlinkFileAt('mine.txt'), () => dir.symlinkAt('mine.txt', 'l'), () => dir.renameAt('mine.txt', dir, 'm')]) {
      expect(code(act)).toBe('read-only');
    }
  });
});

/**
 * Another process swaps `data/d` between a real directory and a symlink to the host as fast as it
 * can (the second session of the same app, sharing /data), while the guard links and renames
 * through `d`. Whatever the interleaving, nothing outside may be created or changed.
 */
describe('a concurrent flipper racing link and rename', () => {
  it('creates and changes nothing outside', async () => {
    const dir = await guarded();
    mkdirSync(join(data, 'real'));
    writeFileSync(join(data, 'real', 'x'), 'inside\n');
    writeFileSync(join(outside, 'x'), 'host x\n');
    symlinkSync(outside, join(data, 'link'));
    before = snapshot(outside);
    const script = `
      const { renameSync } = require('node:fs');
      const [d, real, link] = process.argv.slice(1);
      process.stdout.write('go\\n');
      for (;;) {
        try { renameSync(link, d); renameSync(d, link); renameSync(real, d); renameSync(d, real); } catch {}
      }`;
    const flipper = spawn(process.execPath, ['-e', script, join(data, 'd'), join(data, 'real'), join(data, 'link')], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => flipper.stdout.once('data', () => resolve()));
    const outcomes = new Map<string, number>();
    const count = (result: string): void => void outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    try {
      for (let i = 0; i < 1500; i += 1) {
        writeFileSync(join(data, `r${i}`), 'moving\n');
        count(code(() => dir.linkAt({}, 'mine.txt', dir, `d/l${i}`)));
        count(code(() => dir.renameAt(`r${i}`, dir, `d/r${i}`)));
        count(code(() => dir.linkAt({}, 'd/x', dir, `in${i}`)));
        count(code(() => dir.renameAt('d/x', dir, `back${i}`)));
        count(code(() => dir.renameAt(`back${i}`, dir, 'd/x')));
      }
    } finally {
      flipper.kill('SIGKILL');
    }
    expect(snapshot(outside)).toEqual(before);
    // The race did happen both ways: some calls went through d as a directory, some were refused.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('not-permitted') ?? 0).toBeGreaterThan(0);
    // Files linked in from `d/x` are the inside x, never the host's.
    for (const name of readdirSync(data).filter((n) => /^in\d+$/.test(n))) expect(readFileSync(join(data, name), 'utf8')).toBe('inside\n');
  });
});

describe('the data quota', () => {
  type Stream = { blockingWriteAndFlush(buffer: Uint8Array): void };
  const streamError = (act: () => unknown): unknown => {
    try {
      act();
      return 'ok';
    } catch (error) {
      return error;
    }
  };

  it('counts what is already in /data, refuses a write() past it with "quota", and gives back what an unlink frees', async () => {
    // mine.txt (9 bytes) is there already.
    const dir = await guarded(true, 100);
    const file = dir.openAt({}, 'f', { create: true }, { read: true, write: true });
    expect(code(() => file.write(new Uint8Array(80), 0n))).toBe('ok');
    expect(code(() => file.write(new Uint8Array(80), 0n))).toBe('ok'); // an overwrite adds nothing
    expect(code(() => file.write(new Uint8Array(20), 80n))).toBe('quota');
    expect(notes.join('\n')).toMatch(/data quota: \/data holds .* MiB and a write of 20 bytes would pass its quota/);
    expect(code(() => file.setSize(200n))).toBe('quota');
    expect(code(() => dir.unlinkFileAt('mine.txt'))).toBe('ok');
    expect(code(() => file.write(new Uint8Array(9), 80n))).toBe('ok');
  });

  it('refuses a stream write past it with last-operation-failed carrying EDQUOT; the stream is still the shim\'s own object', async () => {
    const dir = await guarded(true, 100);
    const file = dir.openAt({}, 'g', { create: true }, { write: true });
    const stream = file.appendViaStream() as Stream;
    const shimStreams = (await loadShimIo()).io.streams;
    expect(stream).toBeInstanceOf(shimStreams.OutputStream);
    expect(streamError(() => stream.blockingWriteAndFlush(new Uint8Array(50)))).toBe('ok');
    expect(streamError(() => stream.blockingWriteAndFlush(new Uint8Array(50)))).toEqual({ tag: 'last-operation-failed', val: { payload: expect.objectContaining({ code: 'EDQUOT' }) } });
    expect(lstatSync(join(data, 'g')).size).toBe(50);
  });

  it('saving by truncate-and-rewrite or by write-then-rename-over does not count the old content twice', async () => {
    const dir = await guarded(true, 100);
    for (let round = 0; round < 5; round += 1) {
      const file = dir.openAt({}, 'doc', { create: true, truncate: true }, { write: true });
      expect(code(() => file.write(new Uint8Array(60), 0n))).toBe('ok');
    }
    expect(code(() => dir.unlinkFileAt('doc'))).toBe('ok');
    for (let round = 0; round < 5; round += 1) {
      const temp = dir.openAt({}, 'doc.tmp', { create: true }, { write: true });
      expect(code(() => temp.write(new Uint8Array(40), 0n))).toBe('ok');
      expect(code(() => dir.renameAt('doc.tmp', dir, 'doc'))).toBe('ok');
    }
  });

  it('does not apply to a read-only grant or without a quota', async () => {
    const dir = await guarded(true, null);
    const file = dir.openAt({}, 'h', { create: true }, { write: true });
    expect(code(() => file.write(new Uint8Array(10_000), 0n))).toBe('ok');
  });
});
