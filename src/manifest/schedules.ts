// The manifest's [[schedules]]: wake-ups weft-appd delivers to the app as IPC messages (schedule:manage).
import type { Env } from '../config/paths.js';
import { integerSetting, type ToError } from '../config/setting.js';
import { CronError, parseCron, shortestGapMs } from '../schedule/cron.js';
import type { Grant } from './capabilities.js';
import { error, type Problem } from './problem.js';

export interface Schedule {
  name: string;
  cron: string;
  timeZone: string;
}

export const MAX_SCHEDULES = 50;
/** The shortest allowed gap between runs; WEFT_SCHEDULE_MIN_INTERVAL_S lowers it (tests). */
export const DEFAULT_MIN_INTERVAL_S = 300;
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** WEFT_SCHEDULE_MIN_INTERVAL_S, checked: weft-appd and weft-runtime read it at start with their own error class, so a bad value stops them there. */
export function minIntervalSeconds(env: Env = process.env, toError: ToError = (message) => new Error(message)): number {
  return integerSetting(env, 'WEFT_SCHEDULE_MIN_INTERVAL_S', DEFAULT_MIN_INTERVAL_S, 1, 366 * 24 * 3600, toError);
}

/** Why a schedule is not acceptable (bad cron, unknown zone, too frequent), or null. */
export function scheduleProblem(cron: string, timeZone: string, minIntervalS: number): string | null {
  try {
    const gap = shortestGapMs(parseCron(cron, timeZone), Date.now());
    if (gap < minIntervalS * 1000) return `"${cron}" runs every ${gap / 1000} s; the minimum interval is ${minIntervalS} s`;
  } catch (cause) {
    if (cause instanceof CronError) return cause.message;
    throw cause;
  }
  return null;
}

/** Reads `[[schedules]]` (absent: none); each needs the schedule:manage capability. */
export function readSchedules(value: unknown, grants: readonly Grant[], problems: Problem[], minIntervalS = minIntervalSeconds()): Schedule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(error('schedules', 'must be an array of tables', 'write one [[schedules]] table per schedule: name = "…", cron = "…", time_zone = "…"'));
    return [];
  }
  if (value.length > MAX_SCHEDULES) {
    problems.push(error('schedules', `declares ${value.length} schedules; the limit is ${MAX_SCHEDULES}`));
    return [];
  }
  if (value.length > 0 && !grants.some((g) => g.kind === 'schedule')) {
    problems.push(error('schedules', 'declares schedules but package.capabilities does not grant "schedule:manage"', 'add "schedule:manage" to package.capabilities'));
    return [];
  }
  const schedules: Schedule[] = [];
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const where = `schedules[${index}]`;
    const table = entry as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(error(where, 'must be a table'));
      return;
    }
    const { name, cron, time_zone: timeZone = 'UTC' } = table;
    for (const key of Object.keys(table)) {
      if (!['name', 'cron', 'time_zone'].includes(key)) problems.push(error(`${where}.${key}`, 'unknown key', 'a schedule takes name, cron and time_zone'));
    }
    if (typeof name !== 'string' || !NAME.test(name)) {
      problems.push(error(`${where}.name`, 'must be 1-64 of a-z, 0-9, "_" and "-", starting with a letter'));
      return;
    }
    if (seen.has(name)) {
      problems.push(error(`${where}.name`, `"${name}" is declared twice`));
      return;
    }
    seen.add(name);
    if (typeof cron !== 'string' || typeof timeZone !== 'string') {
      problems.push(error(where, 'cron and time_zone must be strings', 'e.g. cron = "0 7 * * 1-5", time_zone = "Europe/Paris"'));
      return;
    }
    const problem = scheduleProblem(cron, timeZone, minIntervalS);
    if (problem) {
      problems.push(error(`${where}.cron`, problem));
      return;
    }
    schedules.push({ name, cron, timeZone });
  });
  return schedules;
}
