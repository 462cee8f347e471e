// Hostile .app.tar.zst bundles for weft-pack: crafted tars (traversal, links out, devices, bombs) and broken compression.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tar, zeroBomb, zstd, type TarEntry } from '../../support/tar.js';
import { componentWat, watToWasm } from '../helpers/wat.js';
import { HELLO_WASM, manifest } from './packages.js';

export interface BundleCase {
  name: string;
  code: string;
  message: RegExp;
  /** Writes the bundle file at `path`; `victim` is a directory outside everything an escape would reach. */
  build(path: string, victim: string): Promise<void> | void;
}

const REJECTED = 'BUNDLE_REJECTED';
const idOf = (name: string) => `org.weft.hostile.${name.replace(/[^a-z0-9]/g, '')}`;

/** The entries of a valid package folder `<id>/` (hello's module), for a case to add to or replace. */
export function validEntries(id: string, fields: Parameters<typeof manifest>[1] = {}, wasm?: Uint8Array): TarEntry[] {
  return [
    { kind: 'dir', name: `${id}/` },
    { kind: 'file', name: `${id}/wapp.toml`, data: manifest(id, fields) },
    { kind: 'file', name: `${id}/app.wasm`, data: wasm ?? readFileSync(HELLO_WASM) },
    { kind: 'dir', name: `${id}/ui/` },
    { kind: 'file', name: `${id}/ui/index.html`, data: '<!doctype html><title>hostile</title>\n' },
  ];
}

function crafted(name: string, message: RegExp, entries: (id: string, victim: string) => TarEntry[], code = REJECTED): BundleCase {
  return { name, code, message, build: (path, victim) => writeFileSync(path, zstd(tar(entries(idOf(name), victim)))) };
}

/** A bundle made the ordinary way (GNU tar --zstd) from a real package directory. */
export function gnuTarBundle(packageParent: string, id: string, out: string): void {
  execFileSync('tar', ['--zstd', '-cf', out, '-C', packageParent, id]);
}

export const BUNDLE_CASES: BundleCase[] = [
  crafted('entry dotdot', /entry "org\.weft\.hostile\.entrydotdot\/\.\.\/\.\.\/evil\.txt" contains "\.\."/, (id) => [...validEntries(id), { kind: 'file', name: `${id}/../../evil.txt`, data: 'pwned' }]),
  crafted('entry absolute', /is an absolute path; bundle entries must be relative/, (id, victim) => [...validEntries(id), { kind: 'file', name: `${victim}/evil.txt`, data: 'pwned' }]),
  crafted('pax path dotdot', /entry "\.\.\/\.\.\/evil\.txt" contains "\.\."/, (id) => [...validEntries(id), { kind: 'pax', records: { path: '../../evil.txt' } }, { kind: 'file', name: `${id}/harmless.txt`, data: 'pwned' }]),
  crafted('pax path absolute', /"\/.*\/evil\.txt" is an absolute path/, (id, victim) => [...validEntries(id), { kind: 'pax', records: { path: `${victim}/evil.txt` } }, { kind: 'file', name: `${id}/harmless.txt`, data: 'pwned' }]),
  crafted('gnu longname dotdot', /contains "\.\."/, (id) => [...validEntries(id), { kind: 'gnu-longname', name: `${id}/${'a/'.repeat(60)}${'../'.repeat(70)}evil.txt` }, { kind: 'file', name: `${id}/short.txt`, data: 'pwned' }]),
  crafted('symlink absolute', /symlink "org\.weft\.hostile\.symlinkabsolute\/etc" points to the absolute path "\/etc"/, (id) => [...validEntries(id), { kind: 'symlink', name: `${id}/etc`, target: '/etc' }]),
  crafted('symlink dotdot out', /symlink "org\.weft\.hostile\.symlinkdotdotout\/up" → "\.\.\/\.\.\/victim" leads outside the bundle's folder/, (id) => [...validEntries(id), { kind: 'symlink', name: `${id}/up`, target: '../../victim' }]),
  crafted('write through symlink', /entry "org\.weft\.hostile\.writethroughsymlink\/here\/evil\.txt" goes through the symlink "org\.weft\.hostile\.writethroughsymlink\/here"/, (id) => [
    ...validEntries(id),
    { kind: 'symlink', name: `${id}/here`, target: '.' },
    { kind: 'file', name: `${id}/here/evil.txt`, data: 'pwned' },
  ]),
  crafted('symlink chain out', /symlink "org\.weft\.hostile\.symlinkchainout\/l2" → "deep\/l1\/\.\." leads outside the bundle's folder through another symlink/, (id) => [
    ...validEntries(id),
    { kind: 'dir', name: `${id}/deep/` },
    { kind: 'symlink', name: `${id}/deep/l1`, target: '..' },
    { kind: 'symlink', name: `${id}/l2`, target: 'deep/l1/..' },
  ]),
  crafted('pax linkpath out', /symlink "org\.weft\.hostile\.paxlinkpathout\/innocent" → "\.\.\/\.\.\/\.\.\/etc" leads outside the bundle's folder/, (id) => [
    ...validEntries(id),
    { kind: 'pax', records: { linkpath: '../../../etc' } },
    { kind: 'symlink', name: `${id}/innocent`, target: 'ui' },
  ]),
  crafted('dangling symlink out', /symlink "org\.weft\.hostile\.danglingsymlinkout\/t" → "s\/s\/\.\.\/\.\.\/victim-file" leads outside the bundle's folder through another symlink/, (id) => [
    ...validEntries(id),
    { kind: 'symlink', name: `${id}/s`, target: '.' },
    { kind: 'symlink', name: `${id}/t`, target: 's/s/../../victim-file' },
  ]),
  crafted('symlink loop', /symlink "org\.weft\.hostile\.symlinkloop\/a" → "b" cannot be resolved \(ELOOP/, (id) => [
    ...validEntries(id),
    { kind: 'symlink', name: `${id}/a`, target: 'b' },
    { kind: 'symlink', name: `${id}/b`, target: 'a' },
  ]),
  crafted('hardlink absolute', /hard link target of "org\.weft\.hostile\.hardlinkabsolute\/passwd" "\/etc\/passwd" is an absolute path/, (id) => [...validEntries(id), { kind: 'hardlink', name: `${id}/passwd`, target: '/etc/passwd' }]),
  crafted('hardlink to another folder', /hard link "org\.weft\.hostile\.hardlinktoanotherfolder\/h" → "org\.weft\.other\.app\/x" leads outside the bundle's folder/, (id) => [...validEntries(id), { kind: 'hardlink', name: `${id}/h`, target: 'org.weft.other.app/x' }]),
  crafted('hardlink dotdot', /hard link target of .* contains "\.\."/, (id) => [...validEntries(id), { kind: 'hardlink', name: `${id}/h`, target: `${id}/../../victim/secret.txt` }]),
  crafted('character device', /entry "org\.weft\.hostile\.characterdevice\/null" is a character device/, (id) => [...validEntries(id), { kind: 'char', name: `${id}/null` }]),
  crafted('block device', /is a block device/, (id) => [...validEntries(id), { kind: 'block', name: `${id}/sda` }]),
  crafted('fifo', /is a named pipe \(FIFO\)/, (id) => [...validEntries(id), { kind: 'fifo', name: `${id}/pipe` }]),
  crafted('duplicate entry', /entry "org\.weft\.hostile\.duplicateentry\/app\.wasm" appears more than once/, (id) => [...validEntries(id), { kind: 'symlink', name: `${id}/app.wasm`, target: 'ui/index.html' }]),
  crafted('two top-level folders', /more than one top-level entry \("org\.weft\.hostile\.twotoplevelfolders" and "org\.weft\.second\.app"\)/, (id) => [...validEntries(id), { kind: 'dir', name: 'org.weft.second.app/' }]),
  crafted('top-level not an app id', /the top-level folder "Not_An_Id" is not an app id/, () => validEntries('Not_An_Id')),
  crafted('top-level is a file', /the top-level entry "org\.weft\.hostile\.toplevelisafile" is a file, not a folder/, (id) => [{ kind: 'file', name: id, data: 'x' }]),
  crafted('folder and id differ', /the bundle's folder is "org\.weft\.hostile\.folderandiddiffer" but its wapp\.toml says package\.id = "org\.weft\.test\.hello"/, (id) => [
    { kind: 'dir', name: `${id}/` },
    { kind: 'file', name: `${id}/wapp.toml`, data: manifest('org.weft.test.hello') },
    { kind: 'file', name: `${id}/app.wasm`, data: readFileSync(HELLO_WASM) },
  ]),
  crafted('empty archive', /the archive is empty/, () => []),
  crafted('pax record over the limit', /a pax header record of \d+ bytes is over the 65536-byte limit/, (id) => [...validEntries(id), { kind: 'pax', records: { comment: 'x'.repeat(100_000) } }, { kind: 'file', name: `${id}/x`, data: '' }]),
  crafted('size field lie', /the archive unpacks to more than 256 MiB/, (id) => [...validEntries(id), { kind: 'file', name: `${id}/huge.bin`, data: 'tiny', sizeField: 2 ** 40 }]),
  crafted('too many entries', /the archive has more than 10000 entries; the limit is 10000/, (id) => [...validEntries(id), ...Array.from({ length: 10_001 }, (_, i): TarEntry => ({ kind: 'dir', name: `${id}/d${i}/` }))]),
  crafted('huge manifest', /wapp\.toml.*the limit is 65536/, (id) => {
    const entries = validEntries(id);
    entries[1] = { kind: 'file', name: `${id}/wapp.toml`, data: manifest(id, { extra: `description = "${'A'.repeat(1 << 20)}"` }) };
    return entries;
  }, 'INVALID_PACKAGE'),
  {
    name: 'forbidden import',
    code: 'INVALID_PACKAGE',
    message: /imports instance "evil:host\/exec@1\.0\.0": weft does not provide evil:host\/exec/,
    build: async (path) => writeFileSync(path, zstd(tar(validEntries(idOf('forbidden import'), {}, await watToWasm(componentWat('(import "evil:host/exec@1.0.0" (instance))')))))),
  },
  {
    name: 'weft import without capability',
    code: 'INVALID_PACKAGE',
    message: /imports weft:app\/fetch@0\.1\.0, which needs a net:fetch capability/,
    build: (path) => writeFileSync(path, zstd(tar(validEntries(idOf('weft import without capability'), {}, readFileSync(join(HELLO_WASM, '..', '..', 'fetcher', 'app.wasm')))))),
  },
  {
    name: 'decompression bomb (300 MiB of zeros)',
    code: REJECTED,
    message: /the archive unpacks to more than 256 MiB \(entry "org\.weft\.hostile\.bomb\/zeros\.bin" alone is 314572800 bytes\)/,
    build: (path) => zeroBomb(path, 'org.weft.hostile.bomb/zeros.bin', 300 * 1024 * 1024, validEntries('org.weft.hostile.bomb')),
  },
  {
    name: 'truncated zstd',
    code: REJECTED,
    message: /cannot decompress|truncated/,
    build: (path) => {
      const whole = zstd(tar(validEntries(idOf('truncated zstd'))));
      writeFileSync(path, whole.subarray(0, whole.length >> 1));
    },
  },
  {
    name: 'zstd magic only',
    code: REJECTED,
    message: /cannot decompress|truncated|empty/,
    build: (path) => writeFileSync(path, Buffer.from([0x28, 0xb5, 0x2f, 0xfd])),
  },
  {
    name: 'truncated tar inside a file',
    code: REJECTED,
    message: /the archive is truncated inside "org\.weft\.hostile\.truncatedtarinsideafile\/app\.wasm"/,
    build: (path) => {
      const whole = tar(validEntries(idOf('truncated tar inside a file')), false);
      writeFileSync(path, zstd(whole.subarray(0, 512 * 4 + 300)));
    },
  },
  {
    name: 'gzip instead of zstd',
    code: REJECTED,
    message: /not zstd-compressed/,
    build: (path) => {
      const dir = mkdtempSync(join(path, '..', 'gz-'));
      writeFileSync(join(dir, 'x.tar'), tar(validEntries(idOf('gzip instead of zstd'))));
      execFileSync('gzip', ['-k', join(dir, 'x.tar')]);
      writeFileSync(path, readFileSync(join(dir, 'x.tar.gz')));
      rmSync(dir, { recursive: true });
    },
  },
  { name: 'plain tar', code: REJECTED, message: /not zstd-compressed/, build: (path) => writeFileSync(path, tar(validEntries(idOf('plain tar')))) },
  { name: 'empty file', code: REJECTED, message: /not zstd-compressed/, build: (path) => writeFileSync(path, '') },
  {
    name: 'zstd of garbage',
    code: REJECTED,
    message: /entry #1: (checksum field is not an octal number|header checksum does not match)/,
    build: (path) => writeFileSync(path, zstd(Buffer.from('this is not a tar archive at all; '.repeat(40)))),
  },
];
