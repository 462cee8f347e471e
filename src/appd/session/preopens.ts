// The runtime's --preopen arguments for an app's filesystem grants, as WEFT maps them (app data → /data, documents → /xdg/documents).
import { mkdir, stat } from 'node:fs/promises';
import { appDataDir, documentsDir, type Env } from '../../config/paths.js';
import type { Manifest } from '../../manifest/types.js';

export interface Preopen {
  host: string;
  guest: string;
  /** Created before launch when missing (the app's own data dir). */
  create: boolean;
}

/** Pure: one preopen per granted scope (a read and an rw grant of the same scope give one). */
export function preopensFor(manifest: Pick<Manifest, 'id' | 'grants'>, env: Env): Preopen[] {
  const out = new Map<string, Preopen>();
  for (const grant of manifest.grants) {
    if (grant.kind !== 'fs') continue;
    if (grant.scope === 'app-data') out.set('/data', { host: appDataDir(manifest.id, env), guest: '/data', create: true });
    else out.set('/xdg/documents', { host: documentsDir(env), guest: '/xdg/documents', create: false });
  }
  return [...out.values()];
}

export function preopenArgs(preopens: readonly Preopen[]): string[] {
  return preopens.flatMap((p) => ['--preopen', `${p.host}::${p.guest}`]);
}

/**
 * Creates the host directories weft owns (app data, mode 0700) and drops a preopen whose host
 * directory is missing (a user without ~/Documents): the runtime refuses a --preopen of a
 * directory that does not exist, and it would rather start the app without that folder.
 */
export async function preparePreopens(preopens: readonly Preopen[]): Promise<Preopen[]> {
  const usable: Preopen[] = [];
  for (const p of preopens) {
    if (p.create) await mkdir(p.host, { recursive: true, mode: 0o700 });
    else if (!(await stat(p.host).catch(() => null))?.isDirectory()) continue;
    usable.push(p);
  }
  return usable;
}
