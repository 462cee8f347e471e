// On-the-fly precompilation for packages that have none (put in the store by hand or by WEFT), cached per module hash.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appCacheDir, type Env } from '../config/paths.js';
import { loadPreview1Adapter, transpilerId } from './jco-adapter.js';
import { PRECOMPILED_INFO_FILE, precompileDescribed, type PrecompiledDescription } from './precompile.js';

/** The app's own transpile cache: `<appCacheDir>/transpiled`. */
export function transpileCacheRoot(appId: string, env: Env = process.env): string {
  return join(appCacheDir(appId, env), 'transpiled');
}

export interface CachedTranspile {
  dir: string;
  description: PrecompiledDescription;
  /** False when this call transpiled; true when an earlier run's output was reused. */
  cached: boolean;
}

async function readDescription(dir: string): Promise<PrecompiledDescription | null> {
  try {
    const value = JSON.parse(await readFile(join(dir, PRECOMPILED_INFO_FILE), 'utf8')) as PrecompiledDescription;
    return typeof value.entry === 'string' && Array.isArray(value.imports) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The precompiled form of `module` from the cache, transpiling it first when absent. The cache
 * key covers the module hash, the transpiler version and the adapter, so upgrading either
 * invalidates it. Concurrent runtimes each write a private temp dir and rename it into place;
 * the loser of the race discards its copy.
 */
export async function transpileToCache(module: Uint8Array, moduleSha256: string, cacheRoot: string, onProgress?: (message: string) => void): Promise<CachedTranspile> {
  const toolKey = createHash('sha256')
    .update(await transpilerId())
    .update(createHash('sha256').update(await loadPreview1Adapter()).digest())
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot, `${moduleSha256}-${toolKey}`);
  const existing = await readDescription(dir);
  if (existing) return { dir, description: existing, cached: true };
  await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
  const temp = join(cacheRoot, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const description = await precompileDescribed(module, temp, onProgress ? { onProgress } : {});
    description.dir = dir;
    try {
      await rename(temp, dir);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw cause;
      const winner = await readDescription(dir);
      if (!winner) throw cause;
      return { dir, description: winner, cached: true };
    }
    return { dir, description, cached: false };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
