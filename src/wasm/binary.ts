// Minimal WebAssembly binary reading: which kind of binary it is, LEB128, and the core module's sections.

export type WasmKind = 'core' | 'component';

export class WasmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmFormatError';
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * A core module has version 1 (`01 00 00 00`); a component has version 0x0d and layer 1
 * (`0d 00 01 00`), as the component-model binary format defines.
 */
export function wasmKind(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new WasmFormatError('not a WebAssembly binary (the file does not start with \\0asm)');
  }
  const version = bytes[4]! | (bytes[5]! << 8);
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (version === 1 && layer === 0) return 'core';
  if (layer === 1) return 'component';
  throw new WasmFormatError(`unsupported WebAssembly binary: version ${version}, layer ${layer} (expected a core module, version 1, or a component, layer 1)`);
}

/** Reads unsigned LEB128 at `offset`; values above 2^53 are rejected (no wasm limit we read needs them). */
export function readUleb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let at = offset;
  for (;;) {
    if (at >= bytes.length) throw new WasmFormatError(`truncated LEB128 at byte ${offset}`);
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
    if (scale > 2 ** 56) throw new WasmFormatError(`LEB128 at byte ${offset} is too long`);
  }
  if (!Number.isSafeInteger(value)) throw new WasmFormatError(`LEB128 at byte ${offset} is too large`);
  return { value, next: at };
}

export function writeUleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

export interface Section {
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the section's content (after id and size). */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** The top-level sections of a core module, in order. */
export function coreSections(bytes: Uint8Array): Section[] {
  if (wasmKind(bytes) !== 'core') throw new WasmFormatError('expected a core module, got a component');
  const sections: Section[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const { value: size, next } = readUleb(bytes, at + 1);
    const end = next + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} at byte ${at} runs past the end of the module`);
    sections.push({ id, start: at, contentStart: next, end });
    at = end;
  }
  return sections;
}

export const SECTION_IMPORT = 2;
export const SECTION_MEMORY = 5;
export const SECTION_EXPORT = 7;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Names and kinds of a core module's exports (kind 0 func, 1 table, 2 memory, 3 global, 4 tag). */
export function coreExports(bytes: Uint8Array): { name: string; kind: number }[] {
  const section = coreSections(bytes).find((s) => s.id === SECTION_EXPORT);
  if (!section) return [];
  const exports: { name: string; kind: number }[] = [];
  let { value: count, next: at } = readUleb(bytes, section.contentStart);
  while (count-- > 0) {
    const length = readUleb(bytes, at);
    const nameEnd = length.next + length.value;
    if (nameEnd + 1 > section.end) throw new WasmFormatError('export section is truncated');
    const name = utf8.decode(bytes.subarray(length.next, nameEnd));
    const kind = bytes[nameEnd]!;
    at = readUleb(bytes, nameEnd + 1).next;
    exports.push({ name, kind });
  }
  return exports;
}
