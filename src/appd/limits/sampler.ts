// Samples CPU time and RSS of every watched pid from /proc, each on its own adaptive schedule, and hands each pid its sample.
import type { UsageSample } from './judge.js';
import { readProcUsage } from './proc-usage.js';

export type SampleListener = (sample: UsageSample) => void;
export type UsageReader = (pid: number) => UsageSample | null;

export interface SamplerOptions {
  /** Interval for a process near its memory limit that is still growing (WEFT_SAMPLE_FAST_MS). */
  fastIntervalMs?: number;
  /** Reads one pid (tests pass a simulated process). */
  read?: UsageReader;
  now?: () => number;
}

/** A process at or above this fraction of its memory limit is "hot": sampled every fast interval while it grows. */
export const HOT_FRACTION = 0.5;
/** At or above this fraction, sampled every fast interval even when it is not growing. */
const CRITICAL_FRACTION = 0.9;
/**
 * Growth that counts: 1 % of the limit per 100 ms (6.4 MiB/s for a 64 MiB limit, 51 MiB/s for
 * 512 MiB). Smaller drift (a few pages) does not make a steady process expensive to watch.
 */
const GROWTH_PER_MS_PER_LIMIT_BYTE = 0.01 / 100;
/** A timer that fires this early is close enough: sample now rather than schedule a 1 ms wait. */
const SLACK_MS = 2;

/**
 * Pure: how long to wait after `sample` before sampling this process again.
 *
 * - No memory limit known: `baseMs`.
 * - Below half the limit and growing: half the time it would take to reach half the limit at the
 *   current rate, clamped to [fastMs, baseMs]; so a process racing towards its limit is sampled
 *   often well before it gets there.
 * - At or above half the limit: `fastMs` while growing (or above 90 %), else a few fast intervals.
 *
 * The point: an app that outgrows its limit is seen over it (and killed by appd with reason
 * `memory-limit`) before the kernel's MemoryMax backstop, which sits above the limit, kills it
 * with a bare SIGKILL. See docs/architecture/appd.md, "Limits".
 */
export function nextSampleDelay(previous: UsageSample | null, sample: UsageSample, limitBytes: number | null, baseMs: number, fastMs: number): number {
  if (limitBytes === null || limitBytes <= 0) return baseMs;
  const elapsed = previous ? sample.at - previous.at : 0;
  const rate = previous && elapsed > 0 ? Math.max(0, (sample.rssBytes - previous.rssBytes) / elapsed) : 0;
  const growing = rate >= limitBytes * GROWTH_PER_MS_PER_LIMIT_BYTE;
  const hot = HOT_FRACTION * limitBytes;
  if (sample.rssBytes >= hot) {
    if (growing || sample.rssBytes >= CRITICAL_FRACTION * limitBytes) return fastMs;
    return Math.min(baseMs, 5 * fastMs);
  }
  if (!growing) return baseMs;
  const msToHot = (hot - sample.rssBytes) / rate;
  return Math.max(fastMs, Math.min(baseMs, Math.floor(msToHot / 2)));
}

interface Watched {
  listener: SampleListener;
  limitBytes: number | null;
  last: UsageSample | null;
  dueAt: number;
}

/**
 * One timer for all watched pids, set for whichever is due first. Each read is a synchronous
 * read of /proc/<pid>/stat (a few microseconds: no fd is kept between samples, so nothing goes
 * stale when a pid exits or is reused).
 */
export class UsageSampler {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = Infinity;
  private readonly fastMs: number;
  private readonly read: UsageReader;
  private readonly now: () => number;

  constructor(
    private readonly baseMs: number,
    options: SamplerOptions = {},
  ) {
    this.fastMs = Math.min(baseMs, options.fastIntervalMs ?? 20);
    // Monotonic (a wall-clock jump must not stall or rush the schedule), on the epoch scale.
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    const now = this.now;
    this.read = options.read ?? ((pid) => readProcUsage(pid, now));
  }

  /**
   * Starts sampling `pid`; with `memoryLimitBytes` the schedule speeds up as it nears that limit.
   * The first sample comes after one fast interval, and its growth is counted from nothing at
   * watch time, so a process that starts up fast (or is handed over already big) is looked at
   * again soon rather than a whole base interval later.
   */
  watch(pid: number, listener: SampleListener, memoryLimitBytes: number | null = null): void {
    const now = this.now();
    this.watched.set(pid, { listener, limitBytes: memoryLimitBytes, last: { at: now, cpuMs: 0, rssBytes: 0 }, dueAt: now + this.fastMs });
    this.schedule();
  }

  unwatch(pid: number): void {
    this.watched.delete(pid);
    if (this.watched.size === 0) this.clearTimer();
  }

  stop(): void {
    this.watched.clear();
    this.clearTimer();
  }

  get watchedCount(): number {
    return this.watched.size;
  }

  private tick(): void {
    this.timer = null;
    this.timerDueAt = Infinity;
    const now = this.now();
    for (const [pid, entry] of [...this.watched]) {
      if (entry.dueAt > now + SLACK_MS) continue;
      const sample = this.read(pid);
      if (!sample) {
        // Gone or a zombie: its session learns of the exit from the child itself; look again later.
        entry.dueAt = now + this.baseMs;
        continue;
      }
      entry.dueAt = sample.at + nextSampleDelay(entry.last, sample, entry.limitBytes, this.baseMs, this.fastMs);
      entry.last = sample;
      // The listener may unwatch (a kill ends the session) or watch another pid; the map copy above allows both.
      if (this.watched.get(pid) === entry) entry.listener(sample);
    }
    this.schedule();
  }

  private schedule(): void {
    let dueAt = Infinity;
    for (const entry of this.watched.values()) dueAt = Math.min(dueAt, entry.dueAt);
    if (dueAt === Infinity || (this.timer && dueAt >= this.timerDueAt)) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => this.tick(), Math.max(0, dueAt - this.now()));
    // Sessions keep appd alive, not the sampler.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDueAt = Infinity;
  }
}
