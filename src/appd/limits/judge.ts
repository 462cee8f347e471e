// Judges a process's usage samples against its [limits]: RSS over memory_max_mb at once, CPU averaged over a sliding window.
import type { Limits } from '../../manifest/types.js';

const MIB = 1024 * 1024;

export interface UsageSample {
  /** ms since the epoch. */
  at: number;
  /** Cumulative user + system CPU time, ms. */
  cpuMs: number;
  rssBytes: number;
}

export interface LimitVerdict {
  reason: 'memory-limit' | 'cpu-limit';
  message: string;
}

/**
 * Keeps the samples of one process. CPU is judged as the average over the last `windowMs`
 * (only once that much history exists), so a start-up burst or a short spike is not a kill.
 */
export class LimitJudge {
  private samples: UsageSample[] = [];

  constructor(
    private readonly limits: Pick<Limits, 'memoryMaxMb' | 'cpuPercent'>,
    private readonly windowMs: number,
  ) {}

  push(sample: UsageSample): LimitVerdict | null {
    this.samples.push(sample);
    // Keep exactly one sample at or before the window start, as the base for the average.
    while (this.samples.length > 2 && (this.samples[1] as UsageSample).at <= sample.at - this.windowMs) this.samples.shift();
    const memoryMax = this.limits.memoryMaxMb * MIB;
    if (sample.rssBytes > memoryMax) {
      return {
        reason: 'memory-limit',
        message: `resident memory ${formatMib(sample.rssBytes)} exceeded the ${this.limits.memoryMaxMb} MiB limit ([limits] memory_max_mb)`,
      };
    }
    const base = this.samples[0] as UsageSample;
    const span = sample.at - base.at;
    if (span >= this.windowMs) {
      const percent = ((sample.cpuMs - base.cpuMs) / span) * 100;
      if (percent > this.limits.cpuPercent) {
        return {
          reason: 'cpu-limit',
          message: `CPU use averaged ${Math.round(percent)}% over ${(span / 1000).toFixed(1)} s, above the ${this.limits.cpuPercent}% limit ([limits] cpu_percent)`,
        };
      }
    }
    return null;
  }

  /** CPU percent between the last two samples, or null before there are two. */
  currentCpuPercent(): number | null {
    const last = this.samples[this.samples.length - 1];
    const previous = this.samples[this.samples.length - 2];
    if (!last || !previous || last.at <= previous.at) return null;
    return Math.round(((last.cpuMs - previous.cpuMs) / (last.at - previous.at)) * 1000) / 10;
  }

  latestRssBytes(): number | null {
    return this.samples[this.samples.length - 1]?.rssBytes ?? null;
  }
}

function formatMib(bytes: number): string {
  return `${(bytes / MIB).toFixed(0)} MiB`;
}
