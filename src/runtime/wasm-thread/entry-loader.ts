// Loads a precompiled component.js on the wasm thread, its script form and V8 code cache cached so launches after the first neither rewrite nor recompile the glue.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
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

/**
 * The name of a glue's cached script and code cache: this component.js (its SHA-256), this
 * rewrite (componentJsAsScript's own identity) and this V8. Anything else makes another name.
 */
export function glueCacheKey(sourceSha256: string): string {
  return createHash('sha256').update(`${sourceSha256}\0${scriptRewriteIdentity()}\0${process.version}\0${process.arch}\0${process.versions.v8}`).digest('hex');
}

/**
 * Loads component.js from `url`. With a cache dir, jco's module runs as a script with a V8 code
 * cache (Node 20 has no module compile cache), and the script itself (componentJsAsScript's
 * rewrite of the glue: milliseconds of regular expressions over 300 KB) is cached beside it, so
 * a launch after the first reads two files and rewrites nothing. `verified` is the glue as the
 * main thread read and checked it: given, the file is not read again. Anything that does not
 * look like jco's output is imported as a module instead, without a cache.
 */
export async function loadComponentJs(url: string, cacheDir: string | null, verified: VerifiedEntry | null = null): Promise<LoadedEntry> {
  const path = fileURLToPath(url);
  const asModule = async (): Promise<LoadedEntry> => {
    const module = (await import(url)) as { instantiate: Instantiate };
    return { instantiate: module.instantiate, saveCodeCache: nothing, rehearse: nothing };
  };
  if (!cacheDir) return asModule();
  const bytes = verified?.bytes ?? (await readFile(path));
  const key = glueCacheKey(verified?.sha256 ?? createHash('sha256').update(bytes).digest('hex'));
  const scriptPath = join(cacheDir, `${key}.js`);
  const cachePath = join(cacheDir, `${key}.v8`);
  const [cachedScript, cachedData] = await Promise.all([readFile(scriptPath, 'utf8').catch(() => null), readFile(cachePath).catch(() => undefined)]);
  const script = cachedScript ?? componentJsAsScript(new TextDecoder().decode(bytes));
  if (script === null) return asModule();
  const compiled = new vm.Script(script, { filename: path, cachedData });
  // Each call evaluates component.js afresh (the rehearsal gets its own).
  const factory = compiled.runInThisContext() as ScriptFactory;
  const { instantiate } = factory(url);
  let needsScript = cachedScript === null;
  let needsCodeCache = cachedData === undefined || compiled.cachedDataRejected === true;
  return {
    instantiate,
    rehearse: () => rehearseInstantiate(factory(url).instantiate),
    saveCodeCache() {
      if (!needsScript && !needsCodeCache) return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        if (needsScript) writeAtomically(scriptPath, script);
        if (needsCodeCache) writeAtomically(cachePath, compiled.createCachedData());
      } catch {
        // a cache that cannot be written only costs speed
      }
      needsScript = needsCodeCache = false;
    },
  };
}

/** Readers see the whole file or none (a launch beside this one may be reading the cache). */
function writeAtomically(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}
