// Tells a core module from a component and lists its imports and exports, or says why the bytes are not valid WebAssembly.
import { COMPONENT_PREAMBLE, readComponentLayout, type ComponentItem } from './component-reader.js';
import { WasmFormatError } from './byte-reader.js';
import { WebAssemblyApi, type ImportExportKind, type WasmModule } from './webassembly-api.js';

export type { ComponentItem, ComponentItemKind } from './component-reader.js';

export interface CoreImport {
  module: string;
  name: string;
  kind: ImportExportKind;
}

export interface CoreExport {
  name: string;
  kind: ImportExportKind;
}

export interface CoreModuleInfo {
  kind: 'core';
  imports: CoreImport[];
  exports: CoreExport[];
}

export interface ComponentInfo {
  kind: 'component';
  imports: ComponentItem[];
  exports: ComponentItem[];
  /** Top-level embedded core modules (each checked with WebAssembly.validate). */
  coreModules: number;
}

export type WasmInfo = CoreModuleInfo | ComponentInfo;

/** Why the bytes are not usable WebAssembly; `reason` lets callers tell the cases apart without parsing text. */
export interface WasmRejection {
  reason: 'not-wasm' | 'unknown-version' | 'invalid-core' | 'invalid-component';
  message: string;
}

export type InspectResult = { ok: true; info: WasmInfo } | { ok: false; rejection: WasmRejection };

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const CORE_VERSION = [0x01, 0x00, 0x00, 0x00];

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A short printable rendering of the first bytes, so "this is a shell script" is obvious. */
function printable(bytes: Uint8Array): string {
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

function inspectCore(bytes: Uint8Array): InspectResult {
  let module: WasmModule;
  try {
    module = new WebAssemblyApi.Module(bytes);
  } catch (cause) {
    // V8's CompileError text names the function and byte offset; keep it, minus the API prefix.
    const detail = (cause as Error).message.replace(/^WebAssembly\.Module\(\): /, '');
    return { ok: false, rejection: { reason: 'invalid-core', message: `is not valid WebAssembly: ${detail}` } };
  }
  return {
    ok: true,
    info: {
      kind: 'core',
      imports: WebAssemblyApi.Module.imports(module).map(({ module: from, name, kind }) => ({ module: from, name, kind })),
      exports: WebAssemblyApi.Module.exports(module).map(({ name, kind }) => ({ name, kind })),
    },
  };
}

function inspectComponent(bytes: Uint8Array): InspectResult {
  let layout;
  try {
    layout = readComponentLayout(bytes);
  } catch (cause) {
    if (cause instanceof WasmFormatError) {
      return { ok: false, rejection: { reason: 'invalid-component', message: `is not a well-formed component: ${cause.message}` } };
    }
    throw cause;
  }
  for (const [index, range] of layout.coreModules.entries()) {
    if (!WebAssemblyApi.validate(bytes.subarray(range.start, range.end))) {
      return {
        ok: false,
        rejection: { reason: 'invalid-component', message: `is not a valid component: embedded core module #${index} (bytes ${range.start}–${range.end}) is not valid WebAssembly` },
      };
    }
  }
  return { ok: true, info: { kind: 'component', imports: layout.imports, exports: layout.exports, coreModules: layout.coreModules.length } };
}

/** Reads WebAssembly bytes: a core module (compiled by V8 to validate it) or a component (structure read here). */
export function inspectWasm(bytes: Uint8Array): InspectResult {
  if (bytes.length < 8 || !startsWith(bytes, MAGIC)) {
    const head = bytes.subarray(0, 8);
    const shown = bytes.length === 0 ? 'it is empty' : `it starts with ${hex(head)} ("${printable(head)}")`;
    return { ok: false, rejection: { reason: 'not-wasm', message: `is not a WebAssembly binary: ${shown}; a .wasm file starts with 00 61 73 6d ("\\0asm")` } };
  }
  if (startsWith(bytes, CORE_VERSION, 4)) return inspectCore(bytes);
  if (startsWith(bytes, [...COMPONENT_PREAMBLE.subarray(4)], 4)) return inspectComponent(bytes);
  return {
    ok: false,
    rejection: {
      reason: 'unknown-version',
      message: `has the WebAssembly magic but version/layer bytes ${hex(bytes.subarray(4, 8))}; expected 01 00 00 00 (core module) or 0d 00 01 00 (component)`,
    },
  };
}
