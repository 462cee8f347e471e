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
