// A small cron parser: five fields (minute hour day-of-month month day-of-week) read in an IANA time zone, or "@every <n>s|m|h"; and the next run after a time.
export type CronSpec =
  | { kind: 'every'; intervalMs: number }
  | { kind: 'cron'; minutes: Set<number>; hours: Set<number>; days: Set<number>; months: Set<number>; weekdays: Set<number>; anyDay: boolean; anyWeekday: boolean; timeZone: string };

export class CronError extends Error {}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const;

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new CronError(`cron ${field.name} field "${text}": "${part}" is not *, N, N-M or one of them with /step`);
    const from = match[1] === '*' ? field.min : Number(match[2]);
    const to = match[1] === '*' ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? field.max : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < field.min || to > field.max || from > to) throw new CronError(`cron ${field.name} field "${text}": values must be ${field.min}-${field.max}, in order`);
    if (step < 1) throw new CronError(`cron ${field.name} field "${text}": the step must be at least 1`);
    for (let v = from; v <= to; v += step) values.add(field.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return values;
}

/** Parses an expression in a time zone; throws CronError saying what is wrong. */
export function parseCron(expression: string, timeZone: string): CronSpec {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new CronError(`"${timeZone}" is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)`);
  }
  const every = /^@every\s+(\d+)(s|m|h)$/.exec(expression.trim());
  if (every) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000 }[every[2] as 's' | 'm' | 'h'];
    const intervalMs = Number(every[1]) * unit;
    if (intervalMs < 1000) throw new CronError(`"${expression}": the interval must be at least 1s`);
    return { kind: 'every', intervalMs };
  }
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(`"${expression}" has ${parts.length} fields; cron takes five (minute hour day-of-month month day-of-week), or "@every <n>s|m|h"`);
  }
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i] as (typeof FIELDS)[number])) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return { kind: 'cron', minutes, hours, days, months, weekdays, anyDay: parts[2] === '*', anyWeekday: parts[4] === '*', timeZone };
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function wallClock(ms: number, timeZone: string): { month: number; day: number; weekday: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric' }).formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return { month: Number(get('month')), day: Number(get('day')), weekday: WEEKDAYS[get('weekday')] ?? 0, hour: Number(get('hour')), minute: Number(get('minute')) };
}

/**
 * The first run strictly after `afterMs` (ms since the epoch). `@every` counts from `anchorMs`.
 * Cron fields match the wall clock in the time zone, minute by minute of real time: a time that a
 * DST change skips does not run that day, and one it repeats runs twice. Day-of-month and
 * day-of-week both restricted means either matches (as in Vixie cron).
 */
export function nextRun(spec: CronSpec, afterMs: number, anchorMs = 0): number {
  if (spec.kind === 'every') return anchorMs + (Math.floor((afterMs - anchorMs) / spec.intervalMs) + 1) * spec.intervalMs;
  let t = (Math.floor(afterMs / 60_000) + 1) * 60_000;
  const limit = afterMs + 5 * 366 * 86_400_000;
  while (t < limit) {
    const w = wallClock(t, spec.timeZone);
    const dayOk = spec.anyDay && spec.anyWeekday ? true : spec.anyDay ? spec.weekdays.has(w.weekday) : spec.anyWeekday ? spec.days.has(w.day) : spec.days.has(w.day) || spec.weekdays.has(w.weekday);
    if (!spec.months.has(w.month) || !dayOk) t += (24 * 60 - w.hour * 60 - w.minute) * 60_000;
    else if (!spec.hours.has(w.hour)) t += (60 - w.minute) * 60_000;
    else if (!spec.minutes.has(w.minute)) t += 60_000;
    else return t;
  }
  throw new CronError('the expression never matches a real date (e.g. 31 February)');
}

/** The shortest gap between consecutive runs over the next few days, to enforce a minimum interval. */
export function shortestGapMs(spec: CronSpec, fromMs: number): number {
  if (spec.kind === 'every') return spec.intervalMs;
  let shortest = Infinity;
  let previous = nextRun(spec, fromMs);
  for (let i = 0; i < 50; i++) {
    const next = nextRun(spec, previous);
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  return shortest;
}
