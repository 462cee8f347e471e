// Builds a session's confinement profile from its install, its granted preopens, its IPC socket and its cache dir.
import { readlinkSync } from 'node:fs';
import type { Env } from '../../config/paths.js';
import type { Manifest } from '../../manifest/types.js';
import { entryPath } from '../../store/layout.js';
import type { InstalledPackage } from '../../store/resolve.js';
import { extraReadablePaths as configReadable } from '../../runtime/factors/config.js';
import { extraWritablePaths as kvWritable } from '../../runtime/factors/kv.js';
import { extraReadablePaths as scheduleReadable, extraWritablePaths as scheduleWritable } from '../../runtime/factors/schedule.js';
import { desktopAccess } from './desktop.js';
import type { Bind, ConfinementProfile } from './profile.js';

export interface ProfileInput {
  installed: InstalledPackage;
  manifest: Pick<Manifest, 'id' | 'grants' | 'variables'>;
  preopens: readonly { host: string; writable: boolean }[];
  ipcSocket: string | null;
  cacheDir: string | null;
  /** appd's environment: where the desktop sockets are. */
  env: Env;
}

/**
 * What the weft:app@0.2 factors keep on disk for a granted app: its key-value store and schedules
 * (read-write, created before launch by the supervisor), its variable values and appd's schedule
 * state (read-only, bound when they exist).
 */
export function capabilityState(manifest: Pick<Manifest, 'id' | 'grants' | 'variables'>, env: Env): Bind[] {
  const { id, grants } = manifest;
  return [
    ...kvWritable(grants, id, env).map((path) => ({ path, writable: true })),
    ...scheduleWritable(grants, id, env).map((path) => ({ path, writable: true })),
    ...configReadable(grants, id, manifest.variables, env).map((path) => ({ path, writable: false, optional: true })),
    ...scheduleReadable(grants, env).map((path) => ({ path, writable: false, optional: true })),
  ];
}

/**
 * The runtime finds the app the way it always does (store roots from the environment), so the
 * store entry is recreated at its own path: weft's installs as the same relative symlink into
 * the bound install dir, a plain package directory (put there by WEFT) bound at the entry.
 */
export function profileFor(input: ProfileInput): ConfinementProfile {
  const { installed } = input;
  const entry = entryPath(installed.root, installed.appId);
  const packageBinds: { source: string; path: string }[] = [];
  const symlinks: { path: string; target: string }[] = [];
  if (installed.installDir !== null) {
    packageBinds.push({ source: installed.installDir, path: installed.installDir });
    symlinks.push({ path: entry, target: readlinkSync(entry) });
  } else {
    packageBinds.push({ source: installed.packageDir, path: entry });
    if (installed.packageDir !== entry) packageBinds.push({ source: installed.packageDir, path: installed.packageDir });
  }
  const dataBinds: Bind[] = [...input.preopens.map((p) => ({ path: p.host, writable: p.writable })), ...capabilityState(input.manifest, input.env)];
  return {
    packageBinds,
    symlinks,
    dataBinds,
    cacheDir: input.cacheDir,
    ipcSocket: input.ipcSocket,
    network: input.manifest.grants.some((g) => g.kind === 'net-fetch'),
    ...desktopAccess(input.manifest.grants, input.env),
  };
}
