// Lists installed apps across store roots; an id in an earlier root hides the same id in a later one.
import { readdir } from 'node:fs/promises';
import { storeRoots, type Env } from '../config/paths.js';
import { isValidAppId } from '../manifest/app-id.js';
import { loadManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/types.js';
import { findInRoot, type InstalledPackage } from './resolve.js';

export interface ListedApp {
  installed: InstalledPackage;
  /** Null when the manifest could not be read; `problem` says why. */
  manifest: Manifest | null;
  problem?: string;
}

export async function listInstalled(env: Env = process.env): Promise<ListedApp[]> {
  const seen = new Set<string>();
  const out: ListedApp[] = [];
  for (const root of storeRoots(env)) {
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (seen.has(name) || !isValidAppId(name)) continue;
      const installed = await findInRoot(root, name);
      if (!installed) continue;
      seen.add(name);
      try {
        out.push({ installed, manifest: await loadManifest(installed.packageDir) });
      } catch (cause) {
        out.push({ installed, manifest: null, problem: (cause as Error).message });
      }
    }
  }
  return out;
}
