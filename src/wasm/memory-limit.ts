// Caps a core module's linear memory: rewrites the memory section so each defined memory's maximum is at most the limit.
import { coreSections, SECTION_MEMORY, writeUleb } from './binary.js';
import { ByteReader, WasmFormatError } from './byte-reader.js';

const WASM_PAGE = 65536;
const HAS_MAX = 0x01;
const CUSTOM_PAGE_SIZE = 0x08;
// 0x02 shared and 0x04 memory64 need no special handling: their limits are LEB128 like the rest.
const KNOWN_FLAGS = 0x0f;

/** The module cannot even start under the limit: a memory's initial size is above it. */
export class InitialMemoryTooLargeError extends Error {
  constructor(
    readonly initialBytes: number,
    readonly limitBytes: number,
  ) {
    super(`the module needs ${mib(initialBytes)} MiB of linear memory at start, above its ${mib(limitBytes)} MiB limit`);
    this.name = 'InitialMemoryTooLargeError';
  }
}

function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export interface LimitedMemory {
  /** Index among the module's defined memories (imports not counted). */
  index: number;
  initialBytes: number;
  /** The maximum after patching. */
  maximumBytes: number;
  /** The maximum the module declared, or null for none. */
  declaredMaximumBytes: number | null;
}

export interface LimitResult {
  bytes: Uint8Array;
  memories: LimitedMemory[];
}

/**
 * Returns a copy of `module` whose defined memories declare `maximum <= limitBytes`, so
 * `memory.grow` fails (returns -1) at the limit instead of growing the process. Imported
 * memories are left alone: the module that defines them is patched instead. A module without a
 * memory section is returned as is.
 */
export function limitLinearMemory(module: Uint8Array, limitBytes: number): LimitResult {
  const section = coreSections(module).find((s) => s.id === SECTION_MEMORY);
  if (!section) return { bytes: module, memories: [] };
  const memories: LimitedMemory[] = [];
  const content: number[] = [];
  const reader = new ByteReader(module, section.contentStart, section.end);
  const count = reader.u32();
  content.push(...writeUleb(count));
  for (let index = 0; index < count; index++) {
    const flags = reader.byte();
    if ((flags & ~KNOWN_FLAGS) !== 0) throw new WasmFormatError(`memory ${index} has unknown limit flags 0x${flags.toString(16)}`, reader.offset - 1);
    const initialPages = reader.u64();
    const declaredMax = flags & HAS_MAX ? reader.u64() : null;
    const pageLog2 = flags & CUSTOM_PAGE_SIZE ? reader.u32() : null;
    const pageSize = pageLog2 === null ? WASM_PAGE : 2 ** pageLog2;
    const limitPages = Math.floor(limitBytes / pageSize);
    if (initialPages > limitPages) throw new InitialMemoryTooLargeError(initialPages * pageSize, limitBytes);
    const maxPages = declaredMax === null ? limitPages : Math.min(declaredMax, limitPages);
    content.push(flags | HAS_MAX, ...writeUleb(initialPages), ...writeUleb(maxPages));
    if (pageLog2 !== null) content.push(...writeUleb(pageLog2));
    memories.push({
      index,
      initialBytes: initialPages * pageSize,
      maximumBytes: maxPages * pageSize,
      declaredMaximumBytes: declaredMax === null ? null : declaredMax * pageSize,
    });
  }
  if (!reader.atEnd) reader.fail('memory section has trailing bytes');
  const header = [SECTION_MEMORY, ...writeUleb(content.length)];
  const out = new Uint8Array(section.start + header.length + content.length + (module.length - section.end));
  out.set(module.subarray(0, section.start), 0);
  out.set(header, section.start);
  out.set(content, section.start + header.length);
  out.set(module.subarray(section.end), section.start + header.length + content.length);
  return { bytes: out, memories };
}
