// The filesystem view a manifest grants, decided once for appd (its --preopen arguments) and weft-runtime (its preopens and their check).
import { appDataDir, documentsDir, type Env } from '../config/paths.js';
import type { FsScope } from './capabilities.js';
import type { Manifest } from './types.js';

export const GUEST_PATH: Record<FsScope, string> = {
  'app-data': '/data',
  'xdg-documents': '/xdg/documents',
};

export interface FsMapping {
  scope: FsScope;
  /** Guest path: /data or /xdg/documents. */
  guest: string;
  /** Host directory, as configured (symlinks not resolved). */
  host: string;
  writable: boolean;
  /** The capability that grants it (the rw one when both are granted), for messages. */
  capability: string;
  /** weft owns the directory and creates it (0700) when missing; other directories are never created. */
  create: boolean;
}

/** Pure: one mapping per granted fs scope; read and rw grants for the same scope merge into rw. */
export function fsMappings(manifest: Pick<Manifest, 'id' | 'grants'>, env: Env): FsMapping[] {
  const scopes = new Map<FsScope, { writable: boolean; capability: string }>();
  for (const grant of manifest.grants) {
    if (grant.kind !== 'fs') continue;
    const seen = scopes.get(grant.scope);
    if (!seen || (grant.writable && !seen.writable)) scopes.set(grant.scope, { writable: grant.writable, capability: grant.capability });
  }
  return [...scopes].map(([scope, { writable, capability }]) => ({
    scope,
    guest: GUEST_PATH[scope],
    host: scope === 'app-data' ? appDataDir(manifest.id, env) : documentsDir(env),
    writable,
    capability,
    create: scope === 'app-data',
  }));
}
