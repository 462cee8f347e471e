// weft-appd's scheduler: arms every installed app's [[schedules]], and at each run starts the app if needed and delivers a schedule-tick IPC message.
import { scheduleStateFile, type Env } from '../../config/paths.js';
import type { Logger } from '../../log/logger.js';
import { MAX_SCHEDULES, minIntervalSeconds, scheduleProblem, type Schedule } from '../../manifest/schedules.js';
import { listInstalled } from '../../store/list.js';
import { nextRun, parseCron, type CronSpec } from '../../schedule/cron.js';
import { statSync } from 'node:fs';
import { appSchedulesFile } from '../../config/paths.js';
import { readAppSchedules } from '../../schedule/app-schedules.js';
import { readLastFired, writeLastFired, type LastFired } from '../../schedule/last-fired.js';

/** How often due schedules are checked: against the wall clock, so a machine that slept catches up at once. */
const CHECK_INTERVAL_MS = 1000;
/** How often the installed apps are read again for added, changed or removed schedules. */
const RESCAN_INTERVAL_MS = 30_000;

export interface SchedulerHooks {
  /** The live session of an app, if any. */
  sessionOf(appId: string): number | null;
  launch(appId: string): Promise<{ ok: true; sessionId: number } | { ok: false; message: string }>;
  forward(sessionId: number, payload: string): { ok: true } | { ok: false; message: string };
}

interface Entry {
  appId: string;
  schedule: Schedule;
  spec: CronSpec;
  nextMs: number;
}

export interface ScheduleRow {
  app_id: string;
  name: string;
  cron: string;
  time_zone: string;
  next_run_ms: number;
  last_fired_ms: number | null;
}

function keyOf(appId: string, name: string): string {
  return `${appId}/${name}`;
}

/**
 * Missed runs (appd stopped, machine asleep) are coalesced: one tick as soon as appd notices,
 * carrying `missed`, the number of runs it stands for beyond the first; then the schedule
 * continues from now.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly lastFired: LastFired;
  private readonly statePath: string;
  private timers: NodeJS.Timeout[] = [];
  private firing = new Set<string>();
  /** Apps granted schedule:manage, and the mtime of their own schedules file at the last rescan. */
  private watched = new Map<string, number>();

  constructor(
    private readonly env: Env,
    private readonly log: Logger,
    private readonly hooks: SchedulerHooks,
    private readonly now: () => number = Date.now,
  ) {
    this.statePath = scheduleStateFile(env);
    this.lastFired = readLastFired(this.statePath);
  }

  async start(): Promise<void> {
    await this.rescan();
    this.timers.push(setInterval(() => this.check(), CHECK_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.rescan(), RESCAN_INTERVAL_MS));
    this.check();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  rows(): ScheduleRow[] {
    return [...this.entries.values()].map((e) => ({
      app_id: e.appId,
      name: e.schedule.name,
      cron: e.schedule.cron,
      time_zone: e.schedule.timeZone,
      next_run_ms: e.nextMs,
      last_fired_ms: this.lastFired[keyOf(e.appId, e.schedule.name)] ?? null,
    }));
  }

  private rescanning: Promise<void> | null = null;

  private rescan(): Promise<void> {
    this.rescanning ??= this.doRescan().finally(() => {
      this.rescanning = null;
    });
    return this.rescanning;
  }

  private async doRescan(): Promise<void> {
    let listed;
    try {
      listed = await listInstalled(this.env);
    } catch (error) {
      this.log.warn({ err: error }, 'scheduler: cannot list installed apps');
      return;
    }
    const present = new Set<string>();
    this.watched.clear();
    for (const app of listed) {
      const appId = app.installed.appId;
      const granted = app.manifest?.grants.some((g) => g.kind === 'schedule') ?? false;
      if (granted) this.watched.set(appId, this.mtimeOf(appId));
      const own = granted ? readAppSchedules(appId, this.env) : [];
      // The file is the runtime's writing, so it is checked again here: at most MAX_SCHEDULES, each valid.
      for (const schedule of [...(app.manifest?.schedules ?? []), ...own].slice(0, MAX_SCHEDULES)) {
        const key = keyOf(appId, schedule.name);
        present.add(key);
        const old = this.entries.get(key);
        if (old && old.schedule.cron === schedule.cron && old.schedule.timeZone === schedule.timeZone) continue;
        const problem = scheduleProblem(schedule.cron, schedule.timeZone, minIntervalSeconds(this.env));
        if (problem) {
          this.log.warn({ app_id: appId, schedule: schedule.name }, `ignoring schedule ${schedule.name} of ${appId}: ${problem}`);
          continue;
        }
        const spec = parseCron(schedule.cron, schedule.timeZone);
        const since = this.lastFired[key] ?? this.now();
        this.entries.set(key, { appId, schedule, spec, nextMs: nextRun(spec, since, since) });
      }
    }
    for (const key of this.entries.keys()) if (!present.has(key)) this.entries.delete(key);
  }

  private mtimeOf(appId: string): number {
    try {
      return statSync(appSchedulesFile(appId, this.env)).mtimeMs;
    } catch {
      return 0;
    }
  }

  private check(): void {
    // An app's own create / delete shows up within a second, without waiting for the rescan.
    if ([...this.watched].some(([appId, mtime]) => this.mtimeOf(appId) !== mtime)) void this.rescan();
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.nextMs > now || this.firing.has(key)) continue;
      let missed = 0;
      for (let t = nextRun(entry.spec, entry.nextMs, entry.nextMs); t <= now && missed < 10_000; t = nextRun(entry.spec, t, t)) missed++;
      const scheduledMs = entry.nextMs;
      this.lastFired[key] = now;
      entry.nextMs = nextRun(entry.spec, now, now);
      try {
        writeLastFired(this.statePath, this.lastFired);
      } catch (error) {
        this.log.warn({ err: error, path: this.statePath }, 'scheduler: cannot save the last-fired times');
      }
      this.firing.add(key);
      void this.fire(entry, scheduledMs, missed).finally(() => this.firing.delete(key));
    }
  }

  private async fire(entry: Entry, scheduledMs: number, missed: number): Promise<void> {
    const { appId } = entry;
    let sessionId = this.hooks.sessionOf(appId);
    if (sessionId === null) {
      const launched = await this.hooks.launch(appId);
      if (!launched.ok) {
        this.log.warn({ app_id: appId, schedule: entry.schedule.name }, `schedule ${entry.schedule.name}: cannot start ${appId}: ${launched.message}`);
        return;
      }
      sessionId = launched.sessionId;
    }
    const payload = JSON.stringify({ type: 'schedule-tick', name: entry.schedule.name, scheduled_ms: scheduledMs, missed });
    const sent = this.hooks.forward(sessionId, payload);
    if (sent.ok) this.log.info({ app_id: appId, session_id: sessionId, schedule: entry.schedule.name, missed }, 'schedule tick delivered');
    else this.log.warn({ app_id: appId, session_id: sessionId, schedule: entry.schedule.name }, `schedule tick not delivered: ${sent.message}`);
  }
}
