// Turns app.wasm into the form weft-runtime loads: a jco-transpiled ES module (instantiation: async) plus core wasm files.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { PrecompiledInfo } from '../store/record.js';
import { coreExports, wasmKind } from './binary.js';
import { isRunExport } from './entry-point.js';
import { PRECOMPILED_ENTRY, PRECOMPILED_INFO_FILE } from './precompiled-layout.js';

export { PRECOMPILED_ENTRY, PRECOMPILED_INFO_FILE };

const ADAPTER_URL = new URL('../../vendor/wasi-preview1-adapter/wasi_snapshot_preview1.command.wasm', import.meta.url);
/** The import module name the preview1 adapter replaces. */
const PREVIEW1_MODULE = 'wasi_snapshot_preview1';

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

let adapterCache: Promise<Uint8Array> | null = null;

export function loadAdapter(): Promise<Uint8Array> {
  adapterCache ??= readFile(ADAPTER_URL).then((buffer) => new Uint8Array(buffer));
  return adapterCache;
}

let transpilerCache: Promise<string> | null = null;

/** `@bytecodealliance/jco-transpile@<version>`, read from the installed package. */
export function transpilerId(): Promise<string> {
  transpilerCache ??= (async () => {
    // require.resolve, not import.meta.resolve: the latter is missing under some loaders (vitest).
    const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco-transpile');
    const pkg = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? '@bytecodealliance/jco-transpile'}@${pkg.version ?? 'unknown'}`;
  })();
  return transpilerCache;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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
  const [{ componentNew }, adapter] = await Promise.all([import('@bytecodealliance/jco-transpile/wasm-tools'), loadAdapter()]);
  const component = await componentNew(module, [[PREVIEW1_MODULE, adapter]]);
  return { component, kind, adapterSha256: sha256(adapter) };
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
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  // instantiation: 'async' makes jco leave WASI out of the generated module (wasiShim off): every
  // import, WASI included, arrives through instantiate()'s import object, so the runtime decides.
  const result = await transpileBytes(component, {
    name: 'component',
    instantiation: 'async',
    emitTypescriptDeclarations: false,
    // Core modules as files, never inlined as base64: the runtime patches their memory limits.
    base64Cutoff: Number.MAX_SAFE_INTEGER,
  });
  const exports = result.exports.map(([name]) => name);
  if (!exports.some(isRunExport)) {
    throw new MissingEntryPointError(`the component exports no wasi:cli/run (its exports: ${exports.length > 0 ? exports.join(', ') : 'none'})`);
  }
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of Object.entries(result.files)) {
    if (name.endsWith('.d.ts')) continue;
    if (name.includes('/') || name.includes('\\')) throw new Error(`jco-transpile produced an unexpected nested file "${name}"`);
    await writeFile(join(outDir, name), bytes);
    written.push(name);
  }
  if (!written.includes(PRECOMPILED_ENTRY)) throw new Error(`jco-transpile produced no ${PRECOMPILED_ENTRY} (files: ${written.join(', ')})`);
  const description: PrecompiledDescription = {
    dir: basename(outDir),
    entry: PRECOMPILED_ENTRY,
    imports: [...result.imports],
    transpiler: await transpilerId(),
    adapter_sha256: adapterSha256,
    exports,
    module_kind: kind,
  };
  await writeFile(join(outDir, PRECOMPILED_INFO_FILE), `${JSON.stringify(description, null, 2)}\n`);
  onProgress?.(`precompiled ${kind === 'core' ? 'preview1 module' : 'component'}: ${written.length} files in ${outDir}`);
  return description;
}
