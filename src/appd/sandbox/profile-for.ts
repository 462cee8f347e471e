// Builds a session's confinement profile from its install, its granted preopens, its IPC socket and its cache dir.
import { readlinkSync } from 'node:fs';
import type { Env } from '../../config/paths.js';
import type { Manifest } from '../../manifest/types.js';
import { entryPath } from '../../store/layout.js';
import type { InstalledPackage } from '../../store/resolve.js';
import { capabilityState } from '../../config/capability-state.js';
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
