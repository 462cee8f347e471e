// Locates the app's precompiled form (or transpiles on the fly) and compiles its core modules under the memory limit.
import { WebAssemblyApi, type WasmModule } from '../../wasm/webassembly-api.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../../config/paths.js';
import { isRunExport } from '../../wasm/entry-point.js';
import { InitialMemoryTooLargeError, limitLinearMemory } from '../../wasm/memory-limit.js';
import { PRECOMPILED_INFO_FILE } from '../../wasm/precompiled-layout.js';
import { EXIT } from '../../protocol/runtime-exit.js';
import { LoadError } from './load-error.js';
import { recordedHashes, verifyNoneMissing, verifyPrecompiledFile } from './precompiled-integrity.js';
import type { LoadedPackage } from './package.js';
import type { VerifiedEntry } from '../both-threads/messages.js';

export interface AppCode {
  /** Directory holding component.js and the core .wasm files. */
  dir: string;
  entryUrl: string;
  /** component.js as read and verified against the install record (precompiled installs); the wasm thread runs these bytes rather than reading the file again. */
  verified: VerifiedEntry | null;
  /** Import names exactly as component.js looks them up (`wasi:cli/environment@0.2.3`, `weft:app/ipc`). */
  importKeys: string[];
  /** For an installed precompiled form: the recorded SHA-256 of each file, checked as each is read; null for an on-the-fly transpile (made from the verified app.wasm). */
  hashes: Record<string, string> | null;
  /** For messages. */
  appId: string;
}

export interface CompiledModules {
  modules: Record<string, WasmModule>;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() === true;
}

/** The import keys component.js reads (`imports['…']`), for a precompiled dir that lists none. */
function scanImportKeys(source: string): string[] {
  return [...new Set([...source.matchAll(/\bimports\['([^'\\]+)'\]/g)].map((m) => m[1] as string))];
}

async function describedImports(dir: string): Promise<string[] | null> {
  try {
    const value = JSON.parse(await readFile(join(dir, PRECOMPILED_INFO_FILE), 'utf8')) as { imports?: unknown };
    return Array.isArray(value.imports) && value.imports.every((i) => typeof i === 'string') ? (value.imports as string[]) : null;
  } catch {
    return null;
  }
}

/**
 * The install record's precompiled dir when it is complete; otherwise a transpile into the
 * user's cache (logged through `note`, since it costs time on every first launch of a package
 * that weft-pack did not install).
 */
export async function locateAppCode(pkg: LoadedPackage, env: Env, note: (message: string) => void): Promise<AppCode> {
  const { installed } = pkg;
  const precompiled = installed.record?.precompiled;
  if (precompiled && installed.installDir) {
    const dir = join(installed.installDir, precompiled.dir);
    const entryPath = join(dir, precompiled.entry);
    if (await isFile(entryPath)) {
      const hashes = recordedHashes(pkg.manifest.id, dir, precompiled.files);
      const entrySource = await readFile(entryPath);
      verifyPrecompiledFile(pkg.manifest.id, dir, precompiled.entry, entrySource, hashes);
      const importKeys = precompiled.imports.length > 0 ? precompiled.imports : ((await describedImports(dir)) ?? scanImportKeys(entrySource.toString('utf8')));
      const verified = { bytes: entrySource, sha256: hashes[precompiled.entry] as string };
      return { dir, entryUrl: pathToFileURL(entryPath).href, verified, importKeys, hashes, appId: pkg.manifest.id };
    }
    note(`${pkg.manifest.id}: the install record names ${entryPath}, which is missing; transpiling app.wasm on the fly instead`);
  }
  const started = performance.now();
  const { transpileToCache, transpileCacheRoot } = await import('../../wasm/transpile-cache.js');
  const { MissingEntryPointError } = await import('../../wasm/precompile.js');
  let result;
  try {
    result = await transpileToCache(pkg.module, pkg.moduleSha256, transpileCacheRoot(pkg.manifest.id, env));
  } catch (cause) {
    if (cause instanceof MissingEntryPointError) throw new LoadError(`missing entry point: ${cause.message}`, EXIT.MISSING_ENTRY_POINT);
    throw new LoadError(`cannot transpile ${pkg.manifest.module}: ${(cause as Error).message}`);
  }
  const why = precompiled
    ? 'its precompiled form is incomplete'
    : installed.record
      ? 'its install record has no precompiled form'
      : 'it was not installed by weft-pack (no install record)';
  note(
    result.cached
      ? `${pkg.manifest.id}: ${why}; using the on-the-fly transpile cached in ${result.dir}`
      : `${pkg.manifest.id}: ${why}; transpiled ${pkg.manifest.module} on the fly in ${Math.round(performance.now() - started)} ms (cached in ${result.dir})`,
  );
  if (!result.description.exports.some(isRunExport)) {
    throw new LoadError(`missing entry point: the component exports no wasi:cli/run`, EXIT.MISSING_ENTRY_POINT);
  }
  const entryPath = join(result.dir, result.description.entry);
  return { dir: result.dir, entryUrl: pathToFileURL(entryPath).href, verified: null, importKeys: result.description.imports, hashes: null, appId: pkg.manifest.id };
}

/**
 * Reads every core module beside component.js, caps each defined memory at `memoryLimitBytes`
 * and compiles them; the compiled modules go to the wasm thread by structured clone (compiled
 * code is shared, not copied).
 */
export async function compileCoreModules(code: AppCode, memoryLimitBytes: number, limitMb: number): Promise<CompiledModules> {
  const present = await readdir(code.dir);
  const names = present.filter((name) => name.endsWith('.wasm'));
  if (code.hashes) verifyNoneMissing(code.appId, code.dir, present, code.hashes);
  const compiled = await Promise.all(
    names.map(async (name) => {
      const bytes = new Uint8Array(await readFile(join(code.dir, name)));
      if (code.hashes) verifyPrecompiledFile(code.appId, code.dir, name, bytes, code.hashes);
      let limited: Uint8Array;
      try {
        limited = limitLinearMemory(bytes, memoryLimitBytes).bytes;
      } catch (cause) {
        if (cause instanceof InitialMemoryTooLargeError) {
          throw new LoadError(`memory-limit: ${cause.message} ([limits] wasm_memory_max_mb = ${limitMb})`, EXIT.MEMORY_LIMIT);
        }
        throw new LoadError(`${name}: ${(cause as Error).message}`);
      }
      try {
        return [name, await WebAssemblyApi.compile(limited)] as const;
      } catch (cause) {
        throw new LoadError(`${name} does not compile: ${(cause as Error).message}`);
      }
    }),
  );
  return { modules: Object.fromEntries(compiled) };
}
