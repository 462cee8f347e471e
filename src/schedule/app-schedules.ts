// The schedules an app manages itself (weft:app/schedule): read and written as one JSON file per app, replaced atomically; shared by the runtime factor, weft-appd and weftctl.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { appSchedulesFile, type Env } from '../config/paths.js';
import type { Schedule } from '../manifest/schedules.js';

export function readAppSchedules(appId: string, env: Env = process.env): Schedule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(appSchedulesFile(appId, env), 'utf8'));
  } catch {
    // Missing (the app made none) or unreadable (not weft's own writing): none.
    return [];
  }
  const list = (parsed as { schedules?: unknown }).schedules;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (s): s is Schedule => typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.cron === 'string' && typeof s.timeZone === 'string',
  );
}

export function writeAppSchedules(appId: string, schedules: readonly Schedule[], env: Env = process.env): void {
  const path = appSchedulesFile(appId, env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ schedules })}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
