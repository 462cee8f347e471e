// Judges a process's usage samples against its [limits]: RSS over memory_max_mb at once, CPU averaged over a sliding window.
import type { Limits } from '../../manifest/types.js';

const MIB = 1024 * 1024;
/** The span `currentCpuPercent` averages over, at least. */
const CPU_SPAN_MS = 250;

export interface UsageSample {
  /** ms on the epoch scale, from a monotonic clock (only differences between samples matter). */
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

  /**
   * Recent CPU percent: from the newest sample at least CPU_SPAN_MS older than the latest (or the
   * oldest kept) to the latest; null before there are two. Samples near the memory limit can be
   * 20 ms apart, and CPU time only moves in 10 ms ticks, so adjacent samples would be too coarse.
   */
  currentCpuPercent(): number | null {
    const last = this.samples[this.samples.length - 1];
    if (!last || this.samples.length < 2) return null;
    let previous = this.samples[0] as UsageSample;
    for (let i = this.samples.length - 2; i >= 0; i--) {
      const sample = this.samples[i] as UsageSample;
      if (last.at - sample.at >= CPU_SPAN_MS) {
        previous = sample;
        break;
      }
    }
    if (last.at <= previous.at) return null;
    return Math.round(((last.cpuMs - previous.cpuMs) / (last.at - previous.at)) * 1000) / 10;
  }

  latestRssBytes(): number | null {
    return this.samples[this.samples.length - 1]?.rssBytes ?? null;
  }
}

function formatMib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
