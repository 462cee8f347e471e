// What precompilation assumes about jco-transpile and the vendored preview1 adapter: the one place that calls jco-transpile for weft's own code (runs in weft-pack/appd installs and in weft-runtime's on-the-fly transpile).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The vendored wasi_snapshot_preview1 adapter (command flavour) that wraps a preview1 core module into a component. */
export const PREVIEW1_ADAPTER_URL = new URL('../../vendor/wasi-preview1-adapter/wasi_snapshot_preview1.command.wasm', import.meta.url);
/** The core import module the preview1 adapter replaces (componentNew's adapter name). */
export const PREVIEW1_MODULE = 'wasi_snapshot_preview1';

const TRANSPILER_PACKAGE = '@bytecodealliance/jco-transpile';

let adapterCache: Promise<Uint8Array> | null = null;

/** The preview1 adapter's bytes (read once). */
export function loadPreview1Adapter(): Promise<Uint8Array> {
  adapterCache ??= readFile(PREVIEW1_ADAPTER_URL).then((buffer) => new Uint8Array(buffer));
  return adapterCache;
}

let transpilerCache: Promise<string> | null = null;

/** `@bytecodealliance/jco-transpile@<version>`, read from the installed package: part of every transpile cache key. */
export function transpilerId(): Promise<string> {
  transpilerCache ??= (async () => {
    // require.resolve, not import.meta.resolve: the latter is missing under some loaders (vitest).
    // The package's main entry sits one folder below its package.json.
    const entry = createRequire(import.meta.url).resolve(TRANSPILER_PACKAGE);
    const pkg = JSON.parse(await readFile(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? TRANSPILER_PACKAGE}@${pkg.version ?? 'unknown'}`;
  })();
  return transpilerCache;
}

/** Wraps a preview1 command module into a component with the preview1 adapter (jco-transpile's wasm-tools componentNew). */
export async function wrapPreview1(module: Uint8Array): Promise<Uint8Array> {
  const [{ componentNew }, adapter] = await Promise.all([import('@bytecodealliance/jco-transpile/wasm-tools'), loadPreview1Adapter()]);
  return componentNew(module, [[PREVIEW1_MODULE, adapter]]);
}

/** A component transpiled for weft-runtime. */
export interface Transpiled {
  /** File name → bytes, flat: `entry` plus its core wasm files. */
  files: Map<string, Uint8Array>;
  /** The component's imports, as interface names without version (`wasi:cli/stdout`). */
  imports: string[];
  /** The component's exports: versioned interface names (`wasi:cli/run@0.2.0`) and their plain aliases (`run`). */
  exports: string[];
}

/**
 * Transpiles `component` into `entry` (an ES module) and its core wasm files. jco names the
 * module `<name>.js` after its `name` option. `instantiation: 'async'` makes jco leave WASI out of
 * the module (no shim import): it exports `instantiate(getCoreModule, imports, instantiateCore)`
 * and every import, WASI included, arrives through the import object, so the runtime decides.
 * Core modules stay files, never inlined as base64: the runtime patches their memory limits.
 * Type declarations are not asked for; a nested path would be a jco change weft does not expect.
 */
export async function transpileForRuntime(component: Uint8Array, entry: string): Promise<Transpiled> {
  if (!entry.endsWith('.js')) throw new Error(`internal error: the transpiled entry must be a .js file, not "${entry}"`);
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const result = await transpileBytes(component, {
    name: entry.slice(0, -'.js'.length),
    instantiation: 'async',
    emitTypescriptDeclarations: false,
    base64Cutoff: Number.MAX_SAFE_INTEGER,
  });
  const files = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(result.files)) {
    if (name.endsWith('.d.ts')) continue;
    if (name.includes('/') || name.includes('\\')) throw new Error(`jco-transpile produced an unexpected nested file "${name}" (weft expects a flat directory; is jco-transpile still the pinned version?)`);
    files.set(name, bytes);
  }
  if (!files.has(entry)) throw new Error(`jco-transpile produced no ${entry} (files: ${[...files.keys()].join(', ')}; is jco-transpile still the pinned version?)`);
  return { files, imports: [...result.imports], exports: result.exports.map(([name]) => name) };
}
