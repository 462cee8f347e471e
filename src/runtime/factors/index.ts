// The factor registry: every weft:app interface the runtime can provide, and the lookup from an import name to its factor.
import { clipboardFactor } from './clipboard.js';
import { configFactor } from './config.js';
import type { Factor } from './factor.js';
import { fetchFactor } from './fetch.js';
import { ipcFactor } from './ipc.js';
import { kvFactor } from './kv.js';
import { logFactor } from './log.js';
import { scheduleFactor } from './schedule.js';
import { notificationsFactor } from './notifications.js';
import { notifyFactor } from './notify.js';

export const FACTORS: readonly Factor<unknown>[] = [notifyFactor, ipcFactor, fetchFactor, notificationsFactor, clipboardFactor, kvFactor, configFactor, logFactor, scheduleFactor];

export function factorByName(name: string): Factor<unknown> | undefined {
  return FACTORS.find((f) => f.name === name);
}

function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** major.minor of a version (`0.1` for `0.1.3`), or null when it is not a version. */
function series(version: string): string | null {
  return /^(\d+\.\d+)\.\d+(?:[-+].*)?$/.exec(version)?.[1] ?? null;
}

/** The factor providing an interface by unversioned name (`weft:app/ipc`), and the version it implements. */
export function factorForInterface(iface: string): { factor: Factor<unknown>; version: string } | undefined {
  for (const factor of FACTORS) {
    const provided = factor.interfaces.find((name) => unversioned(name) === iface);
    if (provided) return { factor, version: provided.slice(iface.length + 1) };
  }
  return undefined;
}

/** Whether an import at `wanted` (null: unversioned) can be served by an implementation of `provided`. */
export function versionCompatible(wanted: string | null, provided: string): boolean {
  return wanted === null || (series(wanted) !== null && series(wanted) === series(provided));
}
