// Typed access to the WebAssembly global, the one declaration of it: @types/node 20 does not declare it and the project compiles without the DOM lib.

/** A compiled core module; cloneable to another thread (the compiled code is shared). */
export interface WasmModule {
  readonly __wasmModule: unique symbol;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export type WasmImports = Record<string, Record<string, unknown>>;

export type ImportExportKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface ModuleImportDescriptor {
  module: string;
  name: string;
  kind: ImportExportKind;
}

export interface ModuleExportDescriptor {
  name: string;
  kind: ImportExportKind;
}

/** The parts of the WebAssembly global weft uses. */
interface WebAssemblyGlobal {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): ModuleImportDescriptor[];
    exports(module: WasmModule): ModuleExportDescriptor[];
  };
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
  RuntimeError: abstract new (...args: never[]) => Error;
  LinkError: abstract new (...args: never[]) => Error;
  CompileError: abstract new (...args: never[]) => Error;
}

export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyGlobal }).WebAssembly;
