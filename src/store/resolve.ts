// Finds an installed package by app id across the store roots (first root that has it wins, as WEFT).
import { lstat, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storeRoots, type Env } from '../config/paths.js';
import { isValidAppId } from '../manifest/app-id.js';
import { entryPath, PACKAGE_SUBDIR, RECORD_FILE } from './layout.js';
import { isInstallRecord, type InstallRecord } from './record.js';

export interface InstalledPackage {
  appId: string;
  root: string;
  /** Real path of the package directory (wapp.toml, app.wasm…). */
  packageDir: string;
  /** weft's install dir (record, precompiled), or null for a package WEFT or a user put there. */
  installDir: string | null;
  record: InstallRecord | null;
}

export class NotInstalledError extends Error {
  constructor(
    readonly appId: string,
    readonly roots: readonly string[],
  ) {
    super(`app "${appId}" is not installed (looked in ${roots.join(', ')}); install it with: weft-pack install <package-dir>`);
    this.name = 'NotInstalledError';
  }
}

async function readRecord(installDir: string): Promise<InstallRecord | null> {
  try {
    const value: unknown = JSON.parse(await readFile(join(installDir, RECORD_FILE), 'utf8'));
    return isInstallRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** The installed package in one root, or null if that root does not have it. */
export async function findInRoot(root: string, appId: string): Promise<InstalledPackage | null> {
  const entry = entryPath(root, appId);
  let linkOrDir;
  try {
    linkOrDir = await lstat(entry);
  } catch {
    return null;
  }
  if (!linkOrDir.isSymbolicLink() && !linkOrDir.isDirectory()) return null;
  let packageDir: string;
  try {
    packageDir = await realpath(entry);
  } catch {
    return null; // dangling link: an uninstall in progress
  }
  const installDir = linkOrDir.isSymbolicLink() && basename(packageDir) === PACKAGE_SUBDIR ? dirname(packageDir) : null;
  const record = installDir ? await readRecord(installDir) : null;
  return { appId, root, packageDir, installDir: record ? installDir : null, record };
}

export async function resolveInstalled(appId: string, env: Env = process.env): Promise<InstalledPackage> {
  const roots = storeRoots(env);
  if (!isValidAppId(appId)) {
    throw new NotInstalledError(appId, roots);
  }
  for (const root of roots) {
    const found = await findInRoot(root, appId);
    if (found) return found;
  }
  throw new NotInstalledError(appId, roots);
}
