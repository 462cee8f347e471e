// Turns app.wasm into the form weft-runtime loads: a jco-transpiled ES module (instantiation: async) plus core wasm files.
import { sha256Hex } from '../fs/sha256.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { PrecompiledInfo } from '../store/record.js';
import { coreExports, wasmKind } from './binary.js';
import { isRunExport } from './entry-point.js';
import { loadPreview1Adapter, transpileForRuntime, transpilerId, wrapPreview1 } from './jco-adapter.js';
import { PRECOMPILED_ENTRY, PRECOMPILED_INFO_FILE } from './precompiled-layout.js';

export { PRECOMPILED_ENTRY, PRECOMPILED_INFO_FILE };

/** The app has no entry point weft can call: no `_start` (core module) or no `wasi:cli/run` export (component). */
export class MissingEntryPointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingEntryPointError';
  }
}

export interface PrecompileOptions {
  onProgress?: (message: string) => void;
}

/** What precompiled.json holds: the record's PrecompiledInfo plus the component's exports. */
export interface PrecompiledDescription extends PrecompiledInfo {
  exports: string[];
  module_kind: 'core' | 'component';
}

/**
 * Wraps a preview1 core module into a component with the vendored preview1 adapter (command
 * flavour), or returns a component unchanged.
 */
export async function toComponent(module: Uint8Array, onProgress?: (message: string) => void): Promise<{ component: Uint8Array; kind: 'core' | 'component'; adapterSha256: string | null }> {
  const kind = wasmKind(module);
  if (kind === 'component') return { component: module, kind, adapterSha256: null };
  if (!coreExports(module).some((e) => e.name === '_start' && e.kind === 0)) {
    throw new MissingEntryPointError('app.wasm is a core module without a `_start` export: a WASI preview1 command needs one');
  }
  onProgress?.('wrapping the preview1 module with the preview1 adapter');
  const [component, adapter] = await Promise.all([wrapPreview1(module), loadPreview1Adapter()]);
  return { component, kind, adapterSha256: sha256Hex(adapter) };
}

/**
 * Precompiles `module` (app.wasm bytes) into `outDir`: `component.js` (an ES module exporting
 * `instantiate(getCoreModule, imports, instantiateCore)` that imports nothing itself), its core
 * wasm files and precompiled.json. `dir` in the result is outDir's basename: the runtime resolves
 * it against the install dir.
 */
export async function precompile(module: Uint8Array, outDir: string, options: PrecompileOptions = {}): Promise<PrecompiledInfo> {
  const description = await precompileDescribed(module, outDir, options);
  const { exports: _exports, module_kind: _kind, ...info } = description;
  return info;
}

/** precompile, returning everything precompiled.json records. */
export async function precompileDescribed(module: Uint8Array, outDir: string, options: PrecompileOptions = {}): Promise<PrecompiledDescription> {
  const onProgress = options.onProgress;
  const { component, kind, adapterSha256 } = await toComponent(module, onProgress);
  onProgress?.('transpiling the component to JavaScript');
  const { files: transpiled, imports, exports } = await transpileForRuntime(component, PRECOMPILED_ENTRY);
  if (!exports.some(isRunExport)) {
    throw new MissingEntryPointError(`the component exports no wasi:cli/run (its exports: ${exports.length > 0 ? exports.join(', ') : 'none'})`);
  }
  await mkdir(outDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, bytes] of transpiled) {
    await writeFile(join(outDir, name), bytes);
    files[name] = sha256Hex(bytes);
  }
  const description: PrecompiledDescription = {
    dir: basename(outDir),
    entry: PRECOMPILED_ENTRY,
    imports,
    transpiler: await transpilerId(),
    adapter_sha256: adapterSha256,
    files,
    exports,
    module_kind: kind,
  };
  await writeFile(join(outDir, PRECOMPILED_INFO_FILE), `${JSON.stringify(description, null, 2)}\n`);
  onProgress?.(`precompiled ${kind === 'core' ? 'preview1 module' : 'component'}: ${transpiled.size} files in ${outDir}`);
  return description;
}
