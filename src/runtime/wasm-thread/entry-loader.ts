// Loads a precompiled component.js on the wasm thread, with a V8 code cache so launches after the first skip most JS compilation.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { componentJsAsScript, rehearseInstantiate, type Instantiate } from './shim-adapter/component-js.js';

export interface LoadedEntry {
  instantiate: Instantiate;
  /**
   * Writes the code cache when there was none (or V8 rejected it), once. Call it once READY is out:
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

export async function loadComponentJs(url: string, cacheDir: string | null): Promise<LoadedEntry> {
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  // jco's module as a cacheable script (Node 20 has no module compile cache); anything that does
  // not look like jco's output is imported as a module instead, without a cache.
  const script = cacheDir ? componentJsAsScript(source, url) : null;
  if (!script || !cacheDir) {
    const module = (await import(url)) as { instantiate: Instantiate };
    return { instantiate: module.instantiate, saveCodeCache: nothing, rehearse: nothing };
  }
  // The cache belongs to this exact source and this exact V8.
  const key = createHash('sha256').update(script).update(`\0${process.version}\0${process.arch}\0${process.versions.v8}`).digest('hex');
  const cachePath = join(cacheDir, `${key}.v8`);
  const cachedData = await readFile(cachePath).catch(() => undefined);
  const compiled = new vm.Script(script, { filename: path, cachedData });
  // Each call evaluates component.js afresh (the rehearsal gets its own).
  const factory = compiled.runInThisContext() as () => { instantiate: Instantiate };
  const { instantiate } = factory();
  let needsWrite = cachedData === undefined || compiled.cachedDataRejected === true;
  return {
    instantiate,
    rehearse: () => rehearseInstantiate(factory().instantiate),
    saveCodeCache() {
      if (!needsWrite) return;
      needsWrite = false;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temp = `${cachePath}.${process.pid}.tmp`;
        writeFileSync(temp, compiled.createCachedData());
        renameSync(temp, cachePath);
      } catch {
        // a cache that cannot be written only costs speed
      }
    },
  };
}
