// Typed access to the WebAssembly global: @types/node 20 does not declare it and the project compiles without the DOM lib.

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

/** An opaque compiled module; only passed back to the static helpers below. */
export type CompiledModule = { readonly __compiledModule: unique symbol };

export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: {
    new (bytes: Uint8Array): CompiledModule;
    imports(module: CompiledModule): ModuleImportDescriptor[];
    exports(module: CompiledModule): ModuleExportDescriptor[];
  };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
