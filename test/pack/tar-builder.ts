// Builds tar archives byte by byte for tests (independent of weft-pack's own writer), including hostile ones, and compresses them with zstd.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export interface RawEntry {
  path: string;
  /** Tar type flag: '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev, '5' dir, '6' fifo, 'x' pax, 'S' sparse… */
  flag: string;
  data?: Buffer;
  /** Header size when it should differ from data (a lying header). */
  size?: number;
  linkname?: string;
  mode?: number;
  /** Break the checksum. */
  badChecksum?: boolean;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

export function header(entry: RawEntry): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.path, 0, 100, 'utf8');
  block.write(octal(entry.mode ?? (entry.flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(entry.size ?? entry.data?.length ?? 0, 12), 124, 'latin1');
  block.write(octal(1_700_000_000, 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(entry.flag, 156, 'latin1');
  block.write(entry.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  if (entry.badChecksum) sum += 1;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

/** A tar stream: each entry's header and padded data, then two zero blocks unless `end` is false. */
export function tar(entries: readonly RawEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (entry.data && entry.data.length > 0) parts.push(pad(entry.data));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

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

export function zstd(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-1'], { input: data, maxBuffer: 1024 * 1024 * 1024 });
}

export async function writeZstd(path: string, data: Buffer): Promise<void> {
  await writeFile(path, zstd(data));
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
