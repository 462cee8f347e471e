// The shape of the `instantiate` function a jco-transpiled component exports (shared by the entry loader and the wasm session).
import type { WasmImports, WasmInstance, WasmModule } from '../../wasm/webassembly-api.js';

/** jco's `instantiate(getCoreModule, imports, instantiateCore)`, as the entry loader finds it and the session calls it. */
export type Instantiate = (
  getCoreModule: (name: string) => WasmModule,
  imports: Record<string, object>,
  instantiateCore: (module: WasmModule, imports?: WasmImports) => WasmInstance,
) => Promise<Record<string, unknown>> | Record<string, unknown>;
