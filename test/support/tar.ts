// The tests' one tar writer: builds archives byte by byte (independent of weft-pack's own writer), hostile ones included, and compresses them with zstd.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export type TarEntry =
  | { kind: 'file'; name: string; data?: Uint8Array | string; mode?: number; sizeField?: number }
  | { kind: 'dir'; name: string }
  | { kind: 'symlink'; name: string; target: string }
  | { kind: 'hardlink'; name: string; target: string }
  | { kind: 'fifo' | 'char' | 'block'; name: string }
  | { kind: 'pax'; records: Record<string, string> }
  | { kind: 'gnu-longname'; name: string }
  /** Any type flag, with a header that may lie (size, checksum). */
  | { kind: 'header'; name: string; type: string; data?: Buffer; size?: number; linkname?: string; mode?: number; mtime?: number; badChecksum?: boolean }
  | { kind: 'raw'; bytes: Uint8Array };

const TYPEFLAG = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', pax: 'x', 'gnu-longname': 'L' } as const;

export interface HeaderFields {
  name: string;
  /** Tar type flag: '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev, '5' dir, '6' fifo, 'x' pax, 'L' GNU long name, 'S' sparse… */
  type: string;
  size: number;
  linkname?: string;
  mode?: number;
  mtime?: number;
  /** Write a checksum one off. */
  badChecksum?: boolean;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One 512-byte ustar header; `name` and `linkname` are cut to their fields (use pax or GNU long names for more). */
export function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode ?? (fields.type === '5' ? 0o755 : 0o644), 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  // Sizes that do not fit 11 octal digits use GNU base-256.
  if (fields.size < 8 ** 11) block.write(octal(fields.size, 12), 124, 'ascii');
  else {
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(fields.size), 128);
  }
  block.write(octal(fields.mtime ?? 0, 12), 136, 'ascii');
  block.write(fields.type, 156, 'ascii');
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  if (fields.badChecksum) sum += 1;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function padded(data: Uint8Array): Buffer {
  const pad = (512 - (data.byteLength % 512)) % 512;
  return Buffer.concat([Buffer.from(data), Buffer.alloc(pad)]);
}

/** A pax extended header's body: `<length> <key>=<value>\n` records, the length counting itself. */
export function paxData(records: Record<string, string>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
    text += `${length}${body}`;
  }
  return Buffer.from(text, 'utf8');
}

/** The archive bytes, ending with the two zero blocks unless `end` is false. */
export function tar(entries: readonly TarEntry[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    switch (entry.kind) {
      case 'file': {
        const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data ?? new Uint8Array(0));
        parts.push(header({ name: entry.name, type: TYPEFLAG.file, size: entry.sizeField ?? data.byteLength, mode: entry.mode ?? 0o644 }), padded(data));
        break;
      }
      case 'dir':
        parts.push(header({ name: entry.name, type: TYPEFLAG.dir, size: 0, mode: 0o755 }));
        break;
      case 'symlink':
      case 'hardlink':
        parts.push(header({ name: entry.name, type: TYPEFLAG[entry.kind], size: 0, linkname: entry.target }));
        break;
      case 'fifo':
      case 'char':
      case 'block':
        parts.push(header({ name: entry.name, type: TYPEFLAG[entry.kind], size: 0 }));
        break;
      case 'pax': {
        const body = paxData(entry.records);
        parts.push(header({ name: 'PaxHeaders/x', type: TYPEFLAG.pax, size: body.byteLength }), padded(body));
        break;
      }
      case 'gnu-longname': {
        const body = Buffer.from(`${entry.name}\0`);
        parts.push(header({ name: '././@LongLink', type: TYPEFLAG['gnu-longname'], size: body.byteLength }), padded(body));
        break;
      }
      case 'header': {
        const { kind: _kind, data, size, ...fields } = entry;
        parts.push(header({ ...fields, size: size ?? data?.length ?? 0 }));
        if (data && data.length > 0) parts.push(padded(data));
        break;
      }
      case 'raw':
        parts.push(Buffer.from(entry.bytes));
        break;
    }
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** zstd-compresses `bytes` with the system zstd. */
export function zstd(bytes: Uint8Array): Buffer {
  const result = spawnSync('zstd', ['-q', '-c', '-1'], { input: bytes, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`zstd failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** Streams `chunks()` through zstd into `path` without holding the whole (large) tar in memory. */
export async function writeZstdStream(path: string, chunks: () => Iterable<Buffer>): Promise<void> {
  const child = spawn('zstd', ['-q', '-c', '-1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createWriteStream(path);
  child.stdout.pipe(out);
  for (const chunk of chunks()) {
    if (!child.stdin.write(chunk)) await once(child.stdin, 'drain');
  }
  child.stdin.end();
  await once(out, 'close');
}

/**
 * Streams a tar with one file whose data is `size` zero bytes through zstd into `out`, without
 * holding it in memory: a decompression bomb (GiBs of zeros compress to KiBs).
 */
export async function zeroBomb(out: string, name: string, size: number, prefix: TarEntry[] = []): Promise<void> {
  const zeros = Buffer.alloc(1 << 20);
  await writeZstdStream(out, function* () {
    yield tar(prefix, false);
    yield header({ name, type: TYPEFLAG.file, size });
    for (let left = size; left > 0; left -= zeros.byteLength) yield left >= zeros.byteLength ? zeros : zeros.subarray(0, left);
    yield Buffer.alloc(((512 - (size % 512)) % 512) + 1024);
  });
}
