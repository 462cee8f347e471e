// The app's filesystem view: preopens derived from fs:* grants only, and the check that --preopen asks for nothing more.
import { mkdir, realpath, stat } from 'node:fs/promises';
import type { Env } from '../../config/paths.js';
import { fsMappings } from '../../manifest/fs-grants.js';
import type { Manifest } from '../../manifest/types.js';
import type { PreopenArg } from '../../protocol/runtime-argv.js';
import { LoadError } from './load-error.js';

export interface Preopen {
  /** Guest path: /data or /xdg/documents. */
  guest: string;
  /** Real host path (symlinks resolved once, here). */
  host: string;
  writable: boolean;
  /** The capability that grants it, for messages. */
  capability: string;
}

/**
 * One preopen per granted fs scope, by the mapping appd also passes as --preopen
 * (src/manifest/fs-grants.ts). The app-data dir is created (0700) on first use; a missing
 * Documents dir is left missing and reported through `warn` rather than created behind the
 * user's back.
 */
export async function grantedPreopens(manifest: Manifest, env: Env, warn: (message: string) => void): Promise<Preopen[]> {
  const preopens: Preopen[] = [];
  for (const { guest, host, writable, capability, create } of fsMappings(manifest, env)) {
    if (create) {
      await mkdir(host, { recursive: true, mode: 0o700 });
    } else {
      const info = await stat(host).catch(() => null);
      if (!info?.isDirectory()) {
        warn(`${capability} is granted but ${host} is not a directory; the app gets no ${guest}`);
        continue;
      }
    }
    preopens.push({ guest, host: await realpath(host), writable, capability });
  }
  return preopens;
}

function normalizeGuest(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.length === 0 ? '/' : trimmed;
}

/**
 * WEFT's launcher passes `--preopen HOST::GUEST` for the app's fs grants. Each one must be
 * exactly a granted mapping (same guest path, same real host directory); it then adds nothing.
 * Anything else is refused with the reason.
 */
export async function checkRequestedPreopens(requested: readonly PreopenArg[], granted: readonly Preopen[]): Promise<void> {
  for (const arg of requested) {
    const guest = normalizeGuest(arg.guest);
    const match = granted.find((p) => p.guest === guest);
    const grantedList = granted.length > 0 ? granted.map((p) => `${p.capability} → ${p.host} at ${p.guest}`).join('; ') : 'no filesystem access';
    if (!match) {
      throw new LoadError(`--preopen ${arg.text} refused: no granted capability maps anything to ${guest} (the manifest grants: ${grantedList})`);
    }
    const host = await realpath(arg.host).catch(() => null);
    if (host !== match.host) {
      throw new LoadError(
        `--preopen ${arg.text} refused: ${match.capability} maps ${guest} to ${match.host}, not ${host ?? `${arg.host} (which does not exist)`}`,
      );
    }
  }
}
