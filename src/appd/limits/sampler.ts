// Samples CPU time and RSS of every watched pid in one pidusage call per tick, and hands each pid its sample.
import pidusage from 'pidusage';
import type { UsageSample } from './judge.js';

export type SampleListener = (sample: UsageSample) => void;

/** pidusage caches an open /proc fd per pid for this long; short, because session pids come and go. */
const PIDUSAGE_MAXAGE_MS = 2000;

export class UsageSampler {
  private readonly listeners = new Map<number, SampleListener>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(private readonly intervalMs: number) {}

  watch(pid: number, listener: SampleListener): void {
    this.listeners.set(pid, listener);
    if (!this.timer) this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  unwatch(pid: number): void {
    this.listeners.delete(pid);
    if (this.listeners.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  stop(): void {
    this.listeners.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    pidusage.clear();
  }

  private async tick(): Promise<void> {
    // A slow /proc read must not pile up ticks.
    if (this.inFlight || this.listeners.size === 0) return;
    this.inFlight = true;
    const pids = [...this.listeners.keys()];
    try {
      const stats = await pidusage(pids, { maxage: PIDUSAGE_MAXAGE_MS });
      for (const pid of pids) {
        const stat = stats[pid];
        const listener = this.listeners.get(pid);
        // A pid that just exited has no stat; its session learns of the exit from the child itself.
        if (!stat || !listener) continue;
        listener({ at: stat.timestamp, cpuMs: stat.ctime, rssBytes: stat.memory });
      }
    } catch {
      // With a single pid pidusage reports its disappearance as an error; nothing to sample then.
    } finally {
      this.inFlight = false;
    }
  }
}
