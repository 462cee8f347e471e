// Measures CPU used by processes that are not the bench's own (other work on the machine), and waits for the machine to go idle.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus } from 'node:os';
import { subtreeCpuMs, systemCpuMs } from './proc.mjs';


const ours = () => subtreeCpuMs(process.pid);

/** Starts a window; end() returns { foreign_cpu_pct }: CPU share of all cores used by other processes during it. */
export function interferenceWindow() {
  const s0 = systemCpuMs();
  const o0 = ours();
  const t0 = performance.now();
  return {
    end() {
      const s1 = systemCpuMs();
      const foreign = Math.max(0, s1.busy - s0.busy - (ours() - o0));
      const capacity = (performance.now() - t0) * cpus().length;
      return { foreign_cpu_pct: Math.round((foreign / capacity) * 1000) / 10 };
    },
  };
}

/** Waits (up to maxMs) until other processes use less than maxPct of the machine over a 2 s window. Returns the last share seen. */
export async function waitIdle(maxMs, maxPct = 10, log = () => {}) {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const w = interferenceWindow();
    await sleep(2000);
    const { foreign_cpu_pct } = w.end();
    if (foreign_cpu_pct < maxPct || performance.now() > deadline) return foreign_cpu_pct;
    log(`machine busy: other processes use ${foreign_cpu_pct}% of the CPUs; waiting`);
  }
}
