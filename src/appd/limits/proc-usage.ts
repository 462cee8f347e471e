// Reads one process's CPU time and RSS straight from /proc/<pid>/stat: one small read, no fd kept open, no child process.
import { readFileSync } from 'node:fs';
import type { UsageSample } from './judge.js';

/**
 * USER_HZ: the unit of the CPU times in /proc/<pid>/stat. The kernel reports them in 1/100 s on
 * every architecture Node runs on (it is fixed ABI, unlike the kernel's internal HZ).
 */
const CLOCK_TICKS_PER_SECOND = 100;

let pageSize: number | null = null;

/**
 * The page size the rss field counts in: /proc/self/stat's rss (pages) against /proc/self/status's
 * VmRSS (kB), read together once, snapped to the sizes Linux uses. 4096 if either cannot be read.
 */
export function procPageSize(): number {
  if (pageSize !== null) return pageSize;
  pageSize = 4096;
  try {
    const pages = parseStat(readFileSync('/proc/self/stat', 'latin1'))?.rssPages ?? 0;
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? 0);
    if (pages > 0 && kb > 0) {
      const ratio = (kb * 1024) / pages;
      pageSize = [4096, 16384, 65536].reduce((best, size) => (Math.abs(size - ratio) < Math.abs(best - ratio) ? size : best));
    }
  } catch {
    // Not Linux, or no /proc: keep the default; readProcUsage returns null there anyway.
  }
  return pageSize;
}

interface StatFields {
  state: string;
  cpuTicks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and parentheses, so fields are counted from the last ')'. */
export function parseStat(text: string): StatFields | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17; rss is field 24.
  const fields = text.slice(close + 2).split(' ');
  const number = (index: number) => Number(fields[index]);
  const cpuTicks = number(11) + number(12) + number(13) + number(14);
  const rssPages = number(21);
  if (!Number.isFinite(cpuTicks) || !Number.isFinite(rssPages)) return null;
  return { state: fields[0] ?? '?', cpuTicks, rssPages };
}

/**
 * A usage sample for `pid`, or null when it is gone or already a zombie (a zombie's RSS is 0,
 * which would hide how big the process was just before it died).
 */
export function readProcUsage(pid: number, now: () => number = Date.now): UsageSample | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const stat = parseStat(text);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  return { at: now(), cpuMs: (stat.cpuTicks * 1000) / CLOCK_TICKS_PER_SECOND, rssBytes: stat.rssPages * procPageSize() };
}
