// The runtime's --preopen arguments for an app's filesystem grants, as WEFT maps them (app data → /data, documents → /xdg/documents).
import { mkdir, stat } from 'node:fs/promises';
import { appDataDir, documentsDir, type Env } from '../../config/paths.js';
import type { Manifest } from '../../manifest/types.js';

export interface Preopen {
  host: string;
  guest: string;
  /** Created before launch when missing (the app's own data dir). */
  create: boolean;
  /** An rw grant for the scope (a read grant alone gives a read-only bind in the sandbox). */
  writable: boolean;
}

/** Pure: one preopen per granted scope (a read and an rw grant of the same scope give one). */
export function preopensFor(manifest: Pick<Manifest, 'id' | 'grants'>, env: Env): Preopen[] {
  const out = new Map<string, Preopen>();
  for (const grant of manifest.grants) {
    if (grant.kind !== 'fs') continue;
    const guest = grant.scope === 'app-data' ? '/data' : '/xdg/documents';
    const writable = grant.writable || (out.get(guest)?.writable ?? false);
    if (grant.scope === 'app-data') out.set(guest, { host: appDataDir(manifest.id, env), guest, create: true, writable });
    else out.set(guest, { host: documentsDir(env), guest, create: false, writable });
  }
  return [...out.values()];
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
