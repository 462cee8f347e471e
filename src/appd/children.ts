// Every child process appd spawned and has not yet seen exit, so a dying appd can SIGKILL them all synchronously.
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

/** Tracks `child` until it exits. */
export function trackChild(child: ChildProcess): void {
  live.add(child);
  const forget = () => live.delete(child);
  child.once('exit', forget);
  child.once('error', () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) forget();
  });
}

/** Sends SIGKILL to every tracked child; safe to call from a process 'exit' handler. */
export function killAllChildrenNow(): number {
  let killed = 0;
  for (const child of live) {
    if (child.pid === undefined) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
      killed += 1;
    } catch {
      // Already gone.
    }
  }
  live.clear();
  return killed;
}

export function liveChildCount(): number {
  return live.size;
}
