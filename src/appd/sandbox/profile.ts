// What one runtime process may see: the confinement profile appd derives from an app's manifest, install and session.

/** A host path made visible inside the sandbox at the same path. */
export interface Bind {
  path: string;
  writable: boolean;
  /** Bound only if it exists at launch (a capability's state file not yet written). */
  optional?: boolean;
}

export interface ConfinementProfile {
  /** The app's install: package, record and precompiled output, read-only (`source` on the host, seen at `path`). */
  packageBinds: readonly { source: string; path: string }[];
  /** Store entries recreated inside as symlinks (`<root>/<id>` → `.weft/installs/…/package`). */
  symlinks: readonly { path: string; target: string }[];
  /** Granted data directories, read-write or read-only exactly as granted. */
  dataBinds: readonly Bind[];
  /** Per-app cache (V8 code cache, on-the-fly transpile), read-write, or null. */
  cacheDir: string | null;
  /** The session's IPC socket, or null. */
  ipcSocket: string | null;
  /** The manifest grants net:fetch: the process shares the host's network namespace. */
  network: boolean;
  /** Desktop sockets its grants name (session bus, Wayland), bound at their own paths (desktop.ts). */
  sockets: readonly string[];
  /** Variables set inside that name those sockets. */
  env: readonly [string, string][];
}

/** The profile of a process that may run an app with no grants: what a standby runtime starts with. */
export const NO_GRANTS: Pick<ConfinementProfile, 'dataBinds' | 'network' | 'sockets'> = { dataBinds: [], network: false, sockets: [] };

/** True when a standby started with `standby`'s profile can serve `wanted` (same data binds, same network, same desktop sockets). */
export function sameGrants(standby: Pick<ConfinementProfile, 'dataBinds' | 'network' | 'sockets'>, wanted: Pick<ConfinementProfile, 'dataBinds' | 'network' | 'sockets'>): boolean {
  if (standby.network !== wanted.network || standby.dataBinds.length !== wanted.dataBinds.length) return false;
  if (standby.sockets.length !== wanted.sockets.length || standby.sockets.some((s, i) => s !== wanted.sockets[i])) return false;
  return standby.dataBinds.every((bind, i) => bind.path === wanted.dataBinds[i]?.path && bind.writable === wanted.dataBinds[i]?.writable);
}
