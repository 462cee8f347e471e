// Reads a component binary's top-level imports and exports (names and kinds) without instantiating anything.
import { ByteReader, WasmFormatError } from './byte-reader.js';

/**
 * What an import or export is. Names follow the component model's sorts; WASI and weft:app
 * interfaces are `instance`.
 */
export type ComponentItemKind = 'module' | 'func' | 'value' | 'type' | 'component' | 'instance' | 'core';

export interface ComponentItem {
  name: string;
  kind: ComponentItemKind;
}

export interface ComponentLayout {
  imports: ComponentItem[];
  exports: ComponentItem[];
  /** Byte ranges of the top-level embedded core modules, so callers can validate them. */
  coreModules: Array<{ start: number; end: number }>;
  /** Nested components (section 4) are skipped, not read; this counts them. */
  nestedComponents: number;
}

/** The preamble of a component: `\0asm`, version 0x0d 0x00, layer 0x01 0x00 (what wasm-tools and jco write). */
export const COMPONENT_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);

const SECTION_CORE_MODULE = 1;
const SECTION_COMPONENT = 4;
const SECTION_IMPORT = 10;
const SECTION_EXPORT = 11;
const LAST_KNOWN_SECTION = 13;

const EXTERN_KINDS: Record<number, ComponentItemKind> = {
  0x00: 'module',
  0x01: 'func',
  0x02: 'value',
  0x03: 'type',
  0x04: 'component',
  0x05: 'instance',
};

/**
 * importname' / exportname'. 0x00 and 0x01 are a plain name (wasmparser reads both so);
 * 0x02 is the newer form followed by a vector of attributes (implements, version suffix, id).
 */
function externName(reader: ByteReader): string {
  const form = reader.byte();
  if (form === 0x00 || form === 0x01) return reader.name();
  if (form === 0x02) {
    const name = reader.name();
    const attributes = reader.u32();
    for (let i = 0; i < attributes; i++) {
      const tag = reader.byte();
      if (tag > 0x02) reader.fail(`unknown name attribute 0x${tag.toString(16)}`);
      reader.name();
    }
    return name;
  }
  return reader.fail(`unknown import/export name form 0x${form.toString(16)}`);
}

/** externdesc: reads the kind and steps over its type reference. */
function externDesc(reader: ByteReader): ComponentItemKind {
  const tag = reader.byte();
  const kind = EXTERN_KINDS[tag];
  if (kind === undefined) reader.fail(`unknown extern descriptor 0x${tag.toString(16)}`);
  switch (tag) {
    case 0x00:
      if (reader.byte() !== 0x11) reader.fail('a core module descriptor must be 0x00 0x11');
      reader.u32();
      break;
    case 0x02: {
      // valuebound: 0x00 valueidx | 0x01 valtype
      const bound = reader.byte();
      if (bound === 0x00) reader.u32();
      else if (bound === 0x01) reader.skipS33();
      else reader.fail(`unknown value bound 0x${bound.toString(16)}`);
      break;
    }
    case 0x03: {
      // typebound: 0x00 typeidx (eq) | 0x01 (sub resource)
      const bound = reader.byte();
      if (bound === 0x00) reader.u32();
      else if (bound !== 0x01) reader.fail(`unknown type bound 0x${bound.toString(16)}`);
      break;
    }
    default:
      reader.u32();
  }
  return kind;
}

/** sortidx: a sort (0x00 plus a core sort byte, or 0x01–0x05) and an index. */
function sortIndex(reader: ByteReader): ComponentItemKind {
  const sort = reader.byte();
  let kind: ComponentItemKind;
  if (sort === 0x00) {
    reader.byte();
    kind = 'core';
  } else {
    const known = EXTERN_KINDS[sort];
    if (known === undefined || sort === 0x00) reader.fail(`unknown sort 0x${sort.toString(16)}`);
    kind = known;
  }
  reader.u32();
  return kind;
}

/**
 * Reads the top level of a component. Throws WasmFormatError (with a byte offset) on a malformed
 * or truncated binary. It checks structure only; full validation happens when jco transpiles it.
 */
export function readComponentLayout(bytes: Uint8Array): ComponentLayout {
  const preamble = new ByteReader(bytes);
  for (const expected of COMPONENT_PREAMBLE) {
    if (preamble.byte() !== expected) throw new WasmFormatError('not a component preamble (\\0asm 0d 00 01 00)', preamble.offset - 1);
  }
  const layout: ComponentLayout = { imports: [], exports: [], coreModules: [], nestedComponents: 0 };
  const reader = new ByteReader(bytes, COMPONENT_PREAMBLE.length);
  while (!reader.atEnd) {
    const id = reader.byte();
    if (id > LAST_KNOWN_SECTION) throw new WasmFormatError(`unknown section id ${id}`, reader.offset - 1);
    const size = reader.u32();
    const start = reader.offset;
    if (size > bytes.length - start) reader.fail(`section ${id} declares ${size} bytes but only ${bytes.length - start} remain`);
    const section = new ByteReader(bytes, start, start + size);
    if (id === SECTION_CORE_MODULE) {
      layout.coreModules.push({ start, end: start + size });
    } else if (id === SECTION_COMPONENT) {
      layout.nestedComponents++;
    } else if (id === SECTION_IMPORT) {
      const count = section.u32();
      for (let i = 0; i < count; i++) {
        const name = externName(section);
        layout.imports.push({ name, kind: externDesc(section) });
      }
      if (!section.atEnd) section.fail(`import section has ${start + size - section.offset} trailing bytes`);
    } else if (id === SECTION_EXPORT) {
      const count = section.u32();
      for (let i = 0; i < count; i++) {
        const name = externName(section);
        const sortKind = sortIndex(section);
        const hasType = section.byte();
        if (hasType === 0x01) externDesc(section);
        else if (hasType !== 0x00) section.fail(`bad optional-type flag 0x${hasType.toString(16)} in an export`);
        layout.exports.push({ name, kind: sortKind });
      }
      if (!section.atEnd) section.fail(`export section has ${start + size - section.offset} trailing bytes`);
    }
    reader.offset = start + size;
  }
  return layout;
}
