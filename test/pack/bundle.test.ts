// Bundles: round trips with GNU tar both ways, and hostile archives each refused with its own message while the store stays exactly as it was.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, GOLDEN, installApi, listing, runCli, workspaceForSuite } from './helpers.js';
import { paxData, tar, writeZstd, writeZstdStream, type RawEntry } from './tar-builder.js';

const HELLO = join(GOLDEN, 'valid', 'core-hello', 'package');
const HELLO_ID = 'org.example.golden.hello';
const WEFT = join(GOLDEN, 'valid', 'component-weft', 'package');

const { dir: work, env } = workspaceForSuite('bundle', async () => {
  ensureBuilt();
  // A store that already holds one app, so "unchanged" covers .weft/ as well.
  await (await installApi()).installPackage(WEFT, { root: store });
});
const store = join(work, 'store');

async function helloEntries(top = HELLO_ID): Promise<RawEntry[]> {
  return [
    { path: `${top}/`, flag: '5' },
    { path: `${top}/wapp.toml`, flag: '0', data: await readFile(join(HELLO, 'wapp.toml')) },
    { path: `${top}/app.wasm`, flag: '0', data: await readFile(join(HELLO, 'app.wasm')) },
    { path: `${top}/ui/`, flag: '5' },
    { path: `${top}/ui/index.html`, flag: '0', data: await readFile(join(HELLO, 'ui', 'index.html')) },
  ];
}

describe('round trips with GNU tar', () => {
  it('bundle → tar --zstd lists and extracts the same package', async () => {
    const pkg = join(work, 'linked');
    await cp(HELLO, pkg, { recursive: true });
    await symlink('index.html', join(pkg, 'ui', 'home.html'));
    const deep = join(pkg, 'assets', 'a-rather-long-directory-name-to-go-past-the-ustar-limit', 'and-another-long-directory-name-too');
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'file-with-a-long-name-as-well-to-need-a-prefix-or-pax-header.txt'), 'deep\n');
    const out = join(work, 'out');
    await mkdir(out);
    const result = await runCli(['bundle', pkg, '-o', out, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const bundle = JSON.parse(result.stdout).path as string;
    expect(bundle).toBe(join(out, `${HELLO_ID}.app.tar.zst`));

    const names = execFileSync('tar', ['--zstd', '-tf', bundle], { encoding: 'utf8' }).trim().split('\n');
    expect(names[0]).toBe(`${HELLO_ID}/`);
    expect(names.every((n) => n.startsWith(`${HELLO_ID}/`))).toBe(true);
    const verbose = execFileSync('tar', ['--zstd', '-tvf', bundle], { encoding: 'utf8' });
    expect(verbose).toMatch(/^l.* org\.example\.golden\.hello\/ui\/home\.html -> index\.html$/m);

    const extracted = join(work, 'gnu-extracted');
    await mkdir(extracted);
    execFileSync('tar', ['--zstd', '-xf', bundle, '-C', extracted]);
    execFileSync('diff', ['-r', '--no-dereference', pkg, join(extracted, HELLO_ID)]);
  });

  it('tar --zstd -cf (GNU format, long names, ./ prefix) → weft-pack install', async () => {
    const parent = join(work, 'gnu-src');
    const pkg = join(parent, HELLO_ID);
    await cp(HELLO, pkg, { recursive: true });
    const deep = join(pkg, 'assets', 'x'.repeat(90), 'y'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'z'.repeat(80)), 'long\n');
    await symlink('index.html', join(pkg, 'ui', 'home.html'));
    const bundle = join(work, 'gnu.app.tar.zst');
    execFileSync('tar', ['--zstd', '-cf', bundle, '-C', parent, `./${HELLO_ID}`]);
    const gnuStore = join(work, 'gnu-store');
    const result = await runCli(['install', bundle, '--store', gnuStore], { env });
    expect(result.code, result.stderr).toBe(0);
    execFileSync('diff', ['-r', '--no-dereference', pkg, realpathSync(join(gnuStore, HELLO_ID))]);
  });

  it('unbundle puts <id>/ in -C and refuses to overwrite it', async () => {
    const out = join(work, 'unbundle-src');
    await mkdir(out);
    const bundled = await runCli(['bundle', HELLO, '-o', join(out, 'hello.app.tar.zst')], { env });
    expect(bundled.code, bundled.stderr).toBe(0);
    const dest = join(work, 'unbundled');
    const first = await runCli(['unbundle', join(out, 'hello.app.tar.zst'), '-C', dest], { env });
    expect(first.code, first.stderr).toBe(0);
    execFileSync('diff', ['-r', HELLO, join(dest, HELLO_ID)]);
    const second = await runCli(['unbundle', join(out, 'hello.app.tar.zst'), '-C', dest], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already exists');
    expect((await readdir(dest)).sort()).toEqual([HELLO_ID]);
  });

  it('refuses to bundle an invalid package', async () => {
    const result = await runCli(['bundle', join(GOLDEN, 'invalid', 'bad-semver'), '-o', join(work, 'bad.app.tar.zst')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('package.version');
  });
});

type Hostile = { name: string; message: RegExp; build: () => Promise<Buffer | 'file'> };

const DEVICE = { mode: 0o600 };

const hostile: Hostile[] = [
  { name: 'absolute path', message: /entry "\/etc\/weft-evil" is an absolute path/, build: async () => tar([...(await helloEntries()), { path: '/etc/weft-evil', flag: '0', data: Buffer.from('x') }]) },
  { name: '".." in a path', message: /entry "org\.example\.golden\.hello\/\.\.\/\.\.\/evil" contains "\.\."/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/../../evil`, flag: '0', data: Buffer.from('x') }]) },
  { name: 'symlink leading out', message: /symlink "org\.example\.golden\.hello\/etc" → "\.\.\/\.\.\/etc" leads outside the bundle's folder/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/etc`, flag: '2', linkname: '../../etc' }]) },
  { name: 'symlink to an absolute path', message: /symlink "org\.example\.golden\.hello\/passwd" points to the absolute path "\/etc\/passwd"/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/passwd`, flag: '2', linkname: '/etc/passwd' }]) },
  {
    name: 'symlink leading out through another symlink',
    message: /symlink "org\.example\.golden\.hello\/x" → "ui\/up\/\.\." leads outside the bundle's folder through another symlink/,
    build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/ui/up`, flag: '2', linkname: '..' }, { path: `${HELLO_ID}/x`, flag: '2', linkname: 'ui/up/..' }]),
  },
  {
    name: 'dangling symlink that would lead out (kernel order: a link to "." then "..")',
    message: /symlink "org\.example\.golden\.hello\/y" → "ui\/here\/\.\.\/not-yet" leads outside the bundle's folder through another symlink/,
    build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/ui/here`, flag: '2', linkname: '..' }, { path: `${HELLO_ID}/y`, flag: '2', linkname: 'ui/here/../not-yet' }]),
  },
  { name: 'hard link leading out', message: /hard link "org\.example\.golden\.hello\/shadow" → "etc\/shadow" leads outside/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/shadow`, flag: '1', linkname: 'etc/shadow' }]) },
  { name: 'hard link to nothing earlier', message: /hard link "org\.example\.golden\.hello\/copy" → "org\.example\.golden\.hello\/later" does not point to a file earlier/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/copy`, flag: '1', linkname: `${HELLO_ID}/later` }]) },
  { name: 'character device', message: /entry "org\.example\.golden\.hello\/tty" is a character device/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/tty`, flag: '3', ...DEVICE }]) },
  { name: 'block device', message: /entry "org\.example\.golden\.hello\/sda" is a block device/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/sda`, flag: '4', ...DEVICE }]) },
  { name: 'fifo', message: /entry "org\.example\.golden\.hello\/pipe" is a named pipe \(FIFO\)/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/pipe`, flag: '6' }]) },
  { name: 'sparse file', message: /tar type 'S'/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/sparse`, flag: 'S' }]) },
  { name: 'two top-level folders', message: /more than one top-level entry \("org\.example\.golden\.hello" and "org\.example\.other"\)/, build: async () => tar([...(await helloEntries()), { path: 'org.example.other/', flag: '5' }]) },
  { name: 'a top-level file', message: /the top-level entry "org\.example\.golden\.hello" is a file, not a folder/, build: async () => tar([{ path: HELLO_ID, flag: '0', data: Buffer.from('x') }]) },
  { name: 'top-level folder not an app id', message: /the top-level folder "package" is not an app id/, build: async () => tar(await helloEntries('package')) },
  { name: 'folder name not the manifest id', message: /folder is "org\.example\.golden\.other" but its wapp\.toml says package\.id = "org\.example\.golden\.hello"/, build: async () => tar(await helloEntries('org.example.golden.other')) },
  { name: 'duplicate entry', message: /entry "org\.example\.golden\.hello\/app\.wasm" appears more than once/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/app.wasm`, flag: '0', data: Buffer.from('x') }]) },
  {
    name: 'writing through a symlink',
    message: /entry "org\.example\.golden\.hello\/link\/payload" goes through the symlink "org\.example\.golden\.hello\/link"/,
    build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/link`, flag: '2', linkname: 'ui' }, { path: `${HELLO_ID}/link/payload`, flag: '0', data: Buffer.from('x') }]),
  },
  { name: 'control character in a name', message: /has a control character in its name/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/evil\nname`, flag: '0', data: Buffer.from('x') }]) },
  { name: 'bad header checksum', message: /header checksum does not match/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/x`, flag: '0', data: Buffer.from('x'), badChecksum: true }]) },
  { name: 'empty archive', message: /the archive is empty/, build: async () => tar([]) },
  { name: 'truncated archive', message: /truncated inside "org\.example\.golden\.hello\/big"/, build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/big`, flag: '0', size: 100_000, data: Buffer.alloc(1000) }], { end: false }) },
  {
    name: 'entry over the size cap',
    message: /unpacks to more than 256 MiB \(entry "org\.example\.golden\.hello\/huge" alone is 300000000 bytes\)/,
    build: async () => tar([...(await helloEntries()), { path: `${HELLO_ID}/huge`, flag: '0', size: 300_000_000 }], { end: false }),
  },
  {
    name: 'too many entries',
    message: /more than 10000 entries; the limit is 10000/,
    build: async () => tar([...(await helloEntries()), ...Array.from({ length: 10_000 }, (_, i) => ({ path: `${HELLO_ID}/many/${i}`, flag: '0' }))]),
  },
];

describe('hostile bundles: refused by install with their own message, store unchanged', () => {
  it.each(hostile)('$name', async ({ name, message, build }) => {
    const bundle = join(work, `${name.replace(/\W+/g, '-')}.app.tar.zst`);
    const built = await build();
    if (built !== 'file') await writeZstd(bundle, built);
    const before = await listing(store);
    const result = await runCli(['install', bundle, '--store', store], { env });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(1);
    expect(await listing(store)).toEqual(before);
  });

  it('each hostile case has a different message', () => {
    expect(new Set(hostile.map((h) => h.message.source)).size).toBe(hostile.length);
  });

  it('a decompression bomb (pax records flooding past the stream cap) stops at the cap', async () => {
    const bundle = join(work, 'bomb.app.tar.zst');
    const record = paxData({ comment: 'z'.repeat(60 * 1024) });
    const paxHeader = tar([{ path: 'PaxHeaders/x', flag: 'x', data: record }], { end: false });
    await writeZstdStream(bundle, function* () {
      yield tar([{ path: `${HELLO_ID}/`, flag: '5' }], { end: false });
      // ~400 MB decompressed from a few kilobytes.
      for (let i = 0; i < 6_500; i++) yield paxHeader;
    });
    const before = await listing(store);
    const started = Date.now();
    const result = await runCli(['install', bundle, '--store', store], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/decompresses to more than \d+ bytes, more than the size and entry limits allow/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await listing(store)).toEqual(before);
  });

  it('a file that is not zstd, and a corrupt zstd stream, are refused', async () => {
    const plain = join(work, 'plain.app.tar.zst');
    await writeFile(plain, tar(await helloEntries()));
    const notZstd = await runCli(['install', plain, '--store', store], { env });
    expect(notZstd.code).toBe(1);
    expect(notZstd.stderr).toMatch(/not zstd-compressed/);

    const corrupt = join(work, 'corrupt.app.tar.zst');
    await writeFile(corrupt, Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 0xab)]));
    const before = await listing(store);
    const bad = await runCli(['install', corrupt, '--store', store], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot decompress/);
    expect(await listing(store)).toEqual(before);
  });

  it('unbundle refuses hostile archives too and leaves -C empty', async () => {
    const dest = join(work, 'unbundle-hostile');
    await mkdir(dest);
    for (const index of [0, 2, 7]) {
      const { build, message } = hostile[index] as Hostile;
      const bundle = join(work, `unbundle-${index}.app.tar.zst`);
      await writeZstd(bundle, (await build()) as Buffer);
      const result = await runCli(['unbundle', bundle, '-C', dest], { env });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(await readdir(dest)).toEqual([]);
    }
  });
});
