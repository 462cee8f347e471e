// Minimal WebAssembly binary reading: which kind of binary it is, LEB128 writing, and the core module's sections.
import { ByteReader, WasmFormatError } from './byte-reader.js';

export type WasmKind = 'core' | 'component';

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
  const reader = new ByteReader(bytes, 8);
  while (!reader.atEnd) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const contentStart = reader.offset;
    if (size > bytes.length - contentStart) throw new WasmFormatError(`section ${id} runs past the end of the module`, start);
    reader.skip(size);
    sections.push({ id, start, contentStart, end: reader.offset });
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
  const reader = new ByteReader(bytes, section.contentStart, section.end);
  for (let count = reader.u32(); count > 0; count--) {
    // Lenient UTF-8 here (unlike ByteReader.name): an odd export name is not this reader's concern.
    const name = utf8.decode(reader.slice(reader.u32()));
    const kind = reader.byte();
    reader.u32(); // the index
    exports.push({ name, kind });
  }
  return exports;
}
