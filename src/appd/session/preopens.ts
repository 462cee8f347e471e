// The runtime's --preopen arguments for an app's filesystem grants (the mapping itself is src/manifest/fs-grants.ts, shared with the runtime).
import { mkdir, stat } from 'node:fs/promises';
import type { Env } from '../../config/paths.js';
import { fsMappings } from '../../manifest/fs-grants.js';
import type { Manifest } from '../../manifest/types.js';

export interface PreopenPlan {
  host: string;
  guest: string;
  /** Created before launch when missing (the app's own data dir). */
  create: boolean;
  /** An rw grant for the scope (a read grant alone gives a read-only bind in the sandbox). */
  writable: boolean;
}

/** Pure: one preopen per granted scope, by the mapping the runtime also derives its preopens from (src/manifest/fs-grants.ts). */
export function preopensFor(manifest: Pick<Manifest, 'id' | 'grants'>, env: Env): PreopenPlan[] {
  return fsMappings(manifest, env).map(({ host, guest, create, writable }) => ({ host, guest, create, writable }));
}

/**
 * Creates the host directories weft owns (app data, mode 0700) and drops a preopen whose host
 * directory is missing (a user without ~/Documents): the runtime refuses a --preopen of a
 * directory that does not exist, and it would rather start the app without that folder.
 */
export async function preparePreopens(preopens: readonly PreopenPlan[]): Promise<PreopenPlan[]> {
  const usable: PreopenPlan[] = [];
  for (const p of preopens) {
    if (p.create) await mkdir(p.host, { recursive: true, mode: 0o700 });
    else if (!(await stat(p.host).catch(() => null))?.isDirectory()) continue;
    usable.push(p);
  }
  return usable;
}
