// Where a runtime caches an app's jco glue (its script form and V8 code cache) and how those files are named; weft-appd reads the names to judge a cache.
import { join } from 'node:path';
import { appCacheDir, type Env } from './paths.js';

/** The glue cache's directory inside an app's cache dir. */
export const GLUE_CACHE_SUBDIR = 'v8';

/** The directory of an app's glue cache: `$XDG_CACHE_HOME/weft/apps/<app_id>/v8`. */
export function glueCacheDir(appId: string, env: Env = process.env): string {
  return join(appCacheDir(appId, env), GLUE_CACHE_SUBDIR);
}

/**
 * A glue cache entry's base name: the glue's SHA-256 first (so weft-appd can tell, from the
 * install record alone, whether an app's cache holds its current glue), then a hash of what else
 * the entry depends on (the runtime build, V8). `<base>.js` is the script, `<base>.v8` its code cache.
 */
export function glueCacheBase(glueSha256: string, restHash: string): string {
  return `${glueSha256}-${restHash}`;
}

/** A base name in `names` (a glue cache dir's listing) whose script caches the glue with this SHA-256. */
export function holdsGlueScript(names: readonly string[], glueSha256: string): boolean {
  return names.some((name) => name.startsWith(`${glueSha256}-`) && name.endsWith('.js'));
}

/** Cache entries of other keys than `base` (older glue, older runtime builds): pruned when `base` is written. */
export function isOtherGlueEntry(name: string, base: string): boolean {
  return /^[0-9a-f]{64}-[0-9a-f]{16}\.(js|v8)$/.test(name) && !name.startsWith(`${base}.`);
}

/** A temporary file a cache write makes before its rename (`<entry>.<random>.tmp`); one a killed writer left behind is pruned once it is old. */
export function isGlueTempFile(name: string): boolean {
  return /^[0-9a-f]{64}-[0-9a-f]{16}\.(js|v8)\.[0-9a-f]{16}\.tmp$/.test(name);
}

/** How old a temporary cache file must be before a writer of another entry removes it (a live writer renames its own within milliseconds). */
export const GLUE_TEMP_MAX_AGE_MS = 10 * 60 * 1000;
