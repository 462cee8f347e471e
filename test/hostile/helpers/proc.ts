// Reads a process's open fds, children and command line straight from /proc, and samples a value's peak (Linux only).
import { readdirSync, readFileSync } from 'node:fs';
import { pidRunning } from '../../support/processes.js';

/** Number of open file descriptors of `pid`, or null when the process is gone. */
export function fdCount(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/** Every live descendant of `pid` (children, grandchildren…). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(Number(name));
    if (parent !== null) parents.set(Number(name), parent);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    for (const [child, parent] of parents) {
      if (parent === current && pidRunning(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The command line of `pid` as one string ('' when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Pids among `pids` still alive after waiting up to `timeoutMs`. */
export async function survivorsAfter(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(pidRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = left.filter(pidRunning);
  }
  return left;
}

/** Tracks the peak of a sampled number. */
export class PeakSampler {
  peak = 0;
  samples = 0;
  /** Every sample, for the record (capped). */
  readonly series: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly read: () => number | null) {}

  start(everyMs: number): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }

  sample(): void {
    const value = this.read();
    if (value === null) return;
    this.samples += 1;
    if (this.series.length < 10_000) this.series.push(value);
    if (value > this.peak) this.peak = value;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peak;
  }
}
