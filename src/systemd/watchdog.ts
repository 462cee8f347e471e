// systemd watchdog: pings WATCHDOG=1 every WATCHDOG_USEC/2 from the daemon's own event loop.
import type { SdNotifier } from './notify.js';

/**
 * The ping interval in ms when systemd asked this process for watchdog pings (WATCHDOG_USEC set,
 * and WATCHDOG_PID unset or equal to `pid`), else undefined. Half the timeout, as sd_watchdog_enabled(3)
 * recommends, so one late ping is not yet a miss. Throws on a malformed value: a unit with
 * WatchdogSec= and a daemon that silently never pings would be killed for no visible reason.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (usecText === undefined || usecText === '') return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== '') {
    if (!/^[1-9][0-9]*$/.test(pidText)) throw new Error(`WATCHDOG_PID=${JSON.stringify(pidText)} is not a process id`);
    // Meant for another process (e.g. our parent): not ours to answer.
    if (Number(pidText) !== pid) return undefined;
  }
  if (!/^[1-9][0-9]*$/.test(usecText)) throw new Error(`WATCHDOG_USEC=${JSON.stringify(usecText)} is not a positive integer of microseconds`);
  return Math.max(1, Math.floor(Number(usecText) / 2000));
}

export interface WatchdogHandle {
  readonly intervalMs: number;
  stop(): void;
}

export interface WatchdogOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** Remove WATCHDOG_USEC/WATCHDOG_PID from `env` so children do not inherit them. Default true. */
  unsetEnvironment?: boolean;
  /** Optional liveness check run before each ping; a false answer skips the ping. */
  healthy?: () => boolean;
}

/**
 * Starts pinging when the watchdog is enabled for this process; returns undefined otherwise.
 * The timer runs on the main event loop on purpose: if the loop hangs (or the process is stopped),
 * pings stop and systemd restarts the unit. The timer is unref'd so it never keeps the daemon alive.
 */
export function startWatchdog(notifier: SdNotifier, options: WatchdogOptions = {}): WatchdogHandle | undefined {
  const env = options.env ?? process.env;
  const intervalMs = watchdogIntervalMs(env, options.pid ?? process.pid);
  if (options.unsetEnvironment ?? true) {
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
  }
  if (intervalMs === undefined || !notifier.enabled) return undefined;
  const ping = (): void => {
    if (options.healthy && !options.healthy()) return;
    void notifier.watchdog();
  };
  const timer = setInterval(ping, intervalMs);
  timer.unref();
  // First ping right away: the countdown started when the process was spawned, not when we got here.
  ping();
  return {
    intervalMs,
    stop: () => clearInterval(timer),
  };
}
