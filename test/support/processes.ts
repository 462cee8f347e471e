// What a test asks of a process by pid: still in use (kill(pid, 0)), still running (not a zombie), its resident memory (/proc; Linux only).
import { readFileSync } from 'node:fs';

/** True while a process with this pid exists, zombies included: kill(pid, 0) succeeds. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while a process with this pid exists and is not a zombie (a zombie is gone for our purposes, only not yet reaped). */
export function pidRunning(pid: number): boolean {
  if (!pidExists(pid)) return false;
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** VmRSS of `pid` in bytes, or null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
