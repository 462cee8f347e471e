// Loads a precompiled component.js on the wasm thread, with a V8 code cache so launches after the first skip most JS compilation.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { Instantiate } from './jco-instantiate.js';

export interface LoadedEntry {
  instantiate: Instantiate;
  /**
   * Writes the code cache when there was none (or V8 rejected it). Call it after instantiation:
   * V8 then includes every function compiled so far, not just the top level. Synchronous, because
   * the app is about to run and may never yield to the event loop again.
   */
  saveCodeCache(): void;
}

const noCache = (): void => {};

/**
 * jco's output is an ES module that imports nothing, exports `instantiate` (and `_util`) and uses
 * `import.meta.url` only to find core modules when no getCoreModule is given (weft always gives
 * one). Node 20 has no module compile cache, so the module is turned into an equivalent strict
 * function body and compiled with vm.Script, which takes V8 cached data. Anything that does not
 * look like that output is imported as a module instead, without a cache.
 */
function asScript(source: string, url: string): string | null {
  // A dynamic import() may stay: jco's only one sits in the fetch-based loader weft never calls.
  if (/^\s*import[\s{*]/m.test(source)) return null;
  const body = source.replace(/^export (function|const) /gm, '$1 ').replace(/\bimport\.meta\.url\b/g, JSON.stringify(url));
  if (/^\s*export\b/m.test(body) || /\bimport\.meta\b/.test(body) || !/^function instantiate\(/m.test(body)) return null;
  return `(function () {\n'use strict';\n${body}\nreturn { instantiate };\n})`;
}

export async function loadComponentJs(url: string, cacheDir: string | null): Promise<LoadedEntry> {
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const script = cacheDir ? asScript(source, url) : null;
  if (!script || !cacheDir) {
    const module = (await import(url)) as { instantiate: Instantiate };
    return { instantiate: module.instantiate, saveCodeCache: noCache };
  }
  // The cache belongs to this exact source and this exact V8.
  const key = createHash('sha256').update(script).update(`\0${process.version}\0${process.arch}\0${process.versions.v8}`).digest('hex');
  const cachePath = join(cacheDir, `${key}.v8`);
  const cachedData = await readFile(cachePath).catch(() => undefined);
  const compiled = new vm.Script(script, { filename: path, cachedData });
  const factory = compiled.runInThisContext() as () => { instantiate: Instantiate };
  const { instantiate } = factory();
  const needsWrite = cachedData === undefined || compiled.cachedDataRejected === true;
  return {
    instantiate,
    saveCodeCache() {
      if (!needsWrite) return;
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
