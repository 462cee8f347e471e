// Loads a precompiled component.js on the wasm thread, its script form and V8 code cache cached so launches after the first neither rewrite nor recompile the glue.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { sha256Hex } from '../../fs/sha256.js';
import { GLUE_TEMP_MAX_AGE_MS, glueCacheBase, isGlueTempFile, isOtherGlueEntry } from '../../config/glue-cache.js';
import type { VerifiedEntry } from '../both-threads/messages.js';
import { componentJsAsScript, rehearseInstantiate, scriptRewriteIdentity, type Instantiate, type ScriptFactory } from './shim-adapter/component-js.js';

export interface LoadedEntry {
  instantiate: Instantiate;
  /**
   * Writes the cached script and the code cache when either was missing (or V8 rejected the
   * code cache), once. Call it once READY is out:
   * V8 then includes every function compiled so far (instantiation, the export's wrapper, the
   * trampolines the app called on its way to READY), not just the top level. Synchronous, because
   * the app is running and may never yield to the event loop again.
   */
  saveCodeCache(): void;
  /**
   * Runs the glue once on stand-ins in a separate evaluation of component.js (rehearseInstantiate),
   * so the session's `instantiate` runs compiled code; a no-op for a component.js loaded as a module.
   */
  rehearse(): void;
}

const nothing = (): void => {};

/** The runtime build this bundle is (scripts/bundle-runtime.mjs defines it); unbundled code is a build of its own. */
declare const __weftRuntimeBuild: string | undefined;
const RUNTIME_BUILD = typeof __weftRuntimeBuild === 'string' ? __weftRuntimeBuild : 'unbundled';

/**
 * The base name of a glue's cached script and code cache (glueCacheBase): this component.js (its
 * SHA-256), then this rewrite (componentJsAsScript's own identity), this runtime build and this V8.
 * Anything else makes another name: a weft update never runs a script an older runtime wrote.
 */
export function glueCacheKey(sourceSha256: string): string {
  const rest = sha256Hex(`${scriptRewriteIdentity()}\0${RUNTIME_BUILD}\0${process.version}\0${process.arch}\0${process.versions.v8}`).slice(0, 16);
  return glueCacheBase(sourceSha256, rest);
}

/** The first line of a cached script: the SHA-256 of the rest, checked on every read. */
const SCRIPT_HEADER = '// weft glue script sha256=';

/** A cached script's body, or null when the file is not exactly what was written (torn, emptied, edited). */
export function cachedScriptBody(file: string): string | null {
  const newline = file.indexOf('\n');
  if (!file.startsWith(SCRIPT_HEADER) || newline < 0) return null;
  const body = file.slice(newline + 1);
  return file.slice(SCRIPT_HEADER.length, newline) === sha256Hex(body) ? body : null;
}

/**
 * Loads component.js from `url`. With a cache dir, jco's module runs as a script with a V8 code
 * cache (Node 20 has no module compile cache), and the script itself (componentJsAsScript's
 * rewrite of the glue: milliseconds of regular expressions over 300 KB) is cached beside it, so
 * a launch after the first reads two files and rewrites nothing. A cached script runs only when
 * its header's hash matches and it compiles and evaluates; otherwise it is made again from the
 * glue (and written again). `verified` is the glue as the main thread read and checked it: given,
 * it is what runs on every path, and the file is not read again. Anything that does not look like
 * jco's output is imported as a module instead, without a cache.
 */
export async function loadComponentJs(url: string, cacheDir: string | null, verified: VerifiedEntry | null = null): Promise<LoadedEntry> {
  const path = fileURLToPath(url);
  const asModule = async (): Promise<LoadedEntry> => {
    // The verified bytes themselves, as a data: URL (jco's glue imports nothing relative to itself).
    const from = verified ? `data:text/javascript;base64,${Buffer.from(verified.bytes).toString('base64')}` : url;
    const module = (await import(from)) as { instantiate: Instantiate };
    return { instantiate: module.instantiate, saveCodeCache: nothing, rehearse: nothing };
  };
  if (!cacheDir) return asModule();
  const bytes = verified?.bytes ?? (await readFile(path));
  const base = glueCacheKey(verified?.sha256 ?? sha256Hex(bytes));
  const scriptPath = join(cacheDir, `${base}.js`);
  const cachePath = join(cacheDir, `${base}.v8`);
  const [scriptFile, cachedData] = await Promise.all([readFile(scriptPath, 'utf8').catch(() => null), readFile(cachePath).catch(() => undefined)]);
  const cachedScript = scriptFile === null ? null : cachedScriptBody(scriptFile);
  let loaded = cachedScript === null ? null : evaluate(cachedScript, path, url, cachedData);
  const fromCache = loaded !== null;
  if (loaded === null) {
    const script = componentJsAsScript(new TextDecoder().decode(bytes));
    if (script === null) return asModule();
    loaded = evaluate(script, path, url, cachedData);
    if (loaded === null) loaded = evaluate(script, path, url, undefined);
    if (loaded === null) return asModule(); // reports the glue's own error
  }
  const { script, compiled, factory, instantiate } = loaded;
  let needsScript = !fromCache;
  let needsCodeCache = cachedData === undefined || compiled.cachedDataRejected === true || !fromCache;
  return {
    instantiate,
    rehearse: () => rehearseInstantiate(factory(url).instantiate),
    saveCodeCache() {
      if (!needsScript && !needsCodeCache) return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        if (needsScript) writeAtomically(scriptPath, `${SCRIPT_HEADER}${sha256Hex(script)}\n${script}`);
        if (needsCodeCache) writeAtomically(cachePath, compiled.createCachedData());
        pruneOtherEntries(cacheDir, base);
      } catch {
        // a cache that cannot be written only costs speed
      }
      needsScript = needsCodeCache = false;
    },
  };
}

interface Evaluated {
  script: string;
  compiled: vm.Script;
  factory: ScriptFactory;
  instantiate: Instantiate;
}

/** Compiles and evaluates a script form of the glue once; null when it does not compile or evaluate to `{ instantiate }`. */
function evaluate(script: string, path: string, url: string, cachedData: Buffer | undefined): Evaluated | null {
  try {
    const compiled = new vm.Script(script, { filename: path, cachedData });
    // Each call evaluates component.js afresh (the rehearsal gets its own).
    const factory = compiled.runInThisContext() as ScriptFactory;
    const { instantiate } = factory(url);
    return typeof instantiate === 'function' ? { script, compiled, factory, instantiate } : null;
  } catch {
    return null;
  }
}

/**
 * Readers see the whole file or none (a launch beside this one may be reading the cache). The
 * temporary name is random and created exclusively: under bubblewrap every runtime is pid 1, so a
 * pid would let two runtimes of one app write into the same temporary file.
 */
function writeAtomically(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { flag: 'wx', mode: 0o600 });
    renameSync(temp, path);
  } catch (cause) {
    rmSync(temp, { force: true });
    throw cause;
  }
}

/**
 * Entries of older glue or older runtime builds go when a new one is written, so a cache holds one
 * key per app; so do temporary files a killed writer left (once they are old).
 */
function pruneOtherEntries(cacheDir: string, base: string): void {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (isOtherGlueEntry(name, base)) rmSync(path, { force: true });
    else if (isGlueTempFile(name) && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > GLUE_TEMP_MAX_AGE_MS) rmSync(path, { force: true });
  }
}
