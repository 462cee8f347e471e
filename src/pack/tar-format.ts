// The tar header format (ustar, with pax records and GNU long names for reading): encoding and decoding one 512-byte block.

export const BLOCK = 512;

export type TarType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'pax' | 'pax-global' | 'gnu-longname' | 'gnu-longlink' | 'unknown';

const TYPE_BY_FLAG: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: an ordinary file to every modern reader
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
};

const FLAG_BY_TYPE: Partial<Record<TarType, string>> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', pax: 'x' };

export interface TarHeader {
  path: string;
  type: TarType;
  /** The raw type flag, for messages about unsupported entries. */
  flag: string;
  mode: number;
  size: number;
  mtime: number;
  linkname: string;
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

/** Octal text, or GNU base-256 when the high bit of the first byte is set (sizes over 8 GiB). */
function number(block: Uint8Array, start: number, length: number, what: string): number {
  const field = block.subarray(start, start + length);
  if (((field[0] as number) & 0x80) !== 0) {
    if (((field[0] as number) & 0x40) !== 0) throw new TarFormatError(`negative base-256 ${what}`);
    let value = (field[0] as number) & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`${what} is too large`);
    return value;
  }
  const text = Buffer.from(field).toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`${what} field is not an octal number: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

export function isZeroBlock(block: Uint8Array): boolean {
  return block.every((b) => b === 0);
}

function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum;
}

export function decodeHeader(block: Uint8Array): TarHeader {
  const stored = number(block, 148, 8, 'checksum');
  if (stored !== checksum(block)) throw new TarFormatError('header checksum does not match (not a tar archive, or corrupt)');
  const flag = String.fromCharCode(block[156] as number);
  const magic = Buffer.from(block.subarray(257, 263)).toString('latin1');
  let path = cString(block, 0, 100);
  // POSIX ustar keeps a path prefix at 345; the older GNU format uses those bytes for other things.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') path = `${prefix}/${path}`;
  }
  return {
    path,
    type: TYPE_BY_FLAG[flag] ?? 'unknown',
    flag,
    mode: number(block, 100, 8, 'mode'),
    size: number(block, 124, 12, 'size'),
    mtime: number(block, 136, 12, 'mtime'),
    linkname: cString(block, 157, 100),
  };
}

/** Parses pax extended header records: `<length> <key>=<value>\n`. */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const buffer = Buffer.from(data);
  let offset = 0;
  while (offset < buffer.length) {
    if (buffer[offset] === 0) break;
    const space = buffer.indexOf(0x20, offset);
    if (space < 0) throw new TarFormatError('malformed pax record (no length)');
    const length = Number(buffer.toString('latin1', offset, space));
    if (!Number.isInteger(length) || length <= 0 || offset + length > buffer.length) throw new TarFormatError('malformed pax record length');
    const record = buffer.toString('utf8', space + 1, offset + length);
    const equals = record.indexOf('=');
    if (equals < 0 || !record.endsWith('\n')) throw new TarFormatError('malformed pax record');
    records.set(record.slice(0, equals), record.slice(equals + 1, -1));
    offset += length;
  }
  return records;
}

function writeString(block: Buffer, text: string, start: number, length: number): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new TarFormatError(`"${text}" does not fit a ${length}-byte tar field`);
  bytes.copy(block, start);
}

function writeOctal(block: Buffer, value: number, start: number, length: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new TarFormatError(`${value} does not fit a ${length}-byte tar field`);
  block.write(`${text}\0`, start, 'latin1');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padded(data: Buffer): Buffer {
  const remainder = data.length % BLOCK;
  return remainder === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - remainder)]);
}

export interface HeaderInput {
  path: string;
  type: Exclude<TarType, 'pax' | 'pax-global' | 'gnu-longname' | 'gnu-longlink' | 'unknown'>;
  size?: number;
  mode?: number;
  mtime?: number;
  linkname?: string;
}

/** Splits a long path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash, if possible. */
function splitUstar(path: string): [string, string] | null {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return ['', path];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return [prefix, name];
  }
  return null;
}

function ustarBlock(input: HeaderInput, prefix: string, name: string, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, name, 0, 100);
  writeOctal(block, input.mode ?? (input.type === 'dir' ? 0o755 : 0o644), 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, input.type === 'file' ? (input.size ?? 0) : 0, 124, 12);
  writeOctal(block, Math.max(0, Math.floor(input.mtime ?? 0)), 136, 12);
  block.write(FLAG_BY_TYPE[input.type] as string, 156, 'latin1');
  writeString(block, linkname, 157, 100);
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  writeString(block, prefix, 345, 155);
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** One entry's header blocks: a pax header first when the path or link target does not fit ustar. */
export function encodeHeader(input: HeaderInput): Buffer {
  const linkname = input.linkname ?? '';
  const split = splitUstar(input.path);
  const longLink = Buffer.byteLength(linkname) > 100;
  if (split && !longLink) return ustarBlock(input, split[0], split[1], linkname);
  let records = '';
  if (!split) records += paxRecord('path', input.path);
  if (longLink) records += paxRecord('linkpath', linkname);
  const data = Buffer.from(records, 'utf8');
  const shortName = `PaxHeaders/${input.path.split('/').filter(Boolean).pop() ?? 'entry'}`.slice(0, 100);
  const pax = ustarBlock({ path: shortName, type: 'file', size: data.length }, '', Buffer.from(shortName).subarray(0, 100).toString('utf8'), '');
  // Re-stamp the type flag as 'x' (pax) and fix the checksum.
  pax.write('x', 156, 'latin1');
  pax.write('        ', 148, 'latin1');
  pax.write(`${checksum(pax).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const fallback = split ?? ['', Buffer.from(input.path).subarray(-100).toString('utf8').replace(/^\uFFFD+/, '')];
  return Buffer.concat([pax, padded(data), ustarBlock(input, fallback[0], fallback[1], longLink ? '' : linkname)]);
}

/** Zero padding after `size` bytes of entry data. */
export function paddingAfter(size: number): number {
  const remainder = size % BLOCK;
  return remainder === 0 ? 0 : BLOCK - remainder;
}
