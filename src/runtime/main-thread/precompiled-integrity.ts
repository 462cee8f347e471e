// Checks the precompiled files against the SHA-256 hashes weft-pack recorded at install, so a changed file is refused instead of run.
import { sha256Hex } from '../../fs/sha256.js';
import { join } from 'node:path';
import { LoadError } from './load-error.js';

const REINSTALL = 'reinstall it with weft-pack install --force <package dir or bundle>';

/** The recorded hashes, refusing a record that has none (written before weft-pack recorded them). */
export function recordedHashes(appId: string, dir: string, files: Record<string, string> | undefined): Record<string, string> {
  if (files && typeof files === 'object') return files;
  throw new LoadError(`${appId}: its install record holds no hashes of the precompiled files in ${dir}, so they cannot be checked; ${REINSTALL}`);
}

/** Refuses `bytes` read from `dir/name` unless the install record lists that file with that hash. */
export function verifyPrecompiledFile(appId: string, dir: string, name: string, bytes: Uint8Array, hashes: Record<string, string>): void {
  const expected = Object.hasOwn(hashes, name) ? hashes[name] : undefined;
  const path = join(dir, name);
  if (expected === undefined) throw new LoadError(`${appId}: ${path} is not one of the precompiled files weft-pack installed; ${REINSTALL}`);
  const actual = sha256Hex(bytes);
  if (actual !== expected) throw new LoadError(`${appId}: ${path} changed since it was installed (sha256 ${actual}, install record ${expected}); ${REINSTALL}`);
}

/** Refuses when a file the record lists is gone (the runtime would otherwise load a partial app). */
export function verifyNoneMissing(appId: string, dir: string, present: readonly string[], hashes: Record<string, string>): void {
  const missing = Object.keys(hashes).filter((name) => !present.includes(name));
  if (missing.length > 0) throw new LoadError(`${appId}: ${missing.map((m) => join(dir, m)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing from the precompiled files; ${REINSTALL}`);
}
