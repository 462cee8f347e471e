// What any per-session Node process costs before weft does anything: a bare node and a node with one worker thread, alone and K at once.
import { spawnTimed } from './spawn-timed.mjs';
import { summarize } from './stats.mjs';
import { stat } from './proc.mjs';

/** `node -e` that prints READY from the main thread. */
export const NODE_READY = 'process.stdout.write("READY\\n")';
/**
 * `node -e` that starts one worker thread and prints READY once the thread has run its first
 * line: the least a runtime that runs wasm on a worker thread (as weft-runtime does, so the main
 * thread can serve host calls while the guest blocks) can do before READY.
 */
export const NODE_WORKER_READY =
  'const { Worker } = require("node:worker_threads"); new Worker("require(\\"node:worker_threads\\").parentPort.postMessage(0)", { eval: true }).once("message", () => { process.stdout.write("READY\\n"); process.exit(0); })';

/** n sequential spawn → READY times of `node -e code` (after warmup more), and the CPU each took (ms, all threads). */
export async function timeNodeReady(code, n, warmup = 2) {
  const samples = [];
  const cpu = [];
  for (let i = 0; i < n + warmup; i++) {
    const cpu0 = stat(process.pid).reapedChildrenCpuMs;
    const r = await spawnTimed(process.execPath, ['-e', code], { until: /^READY$/ });
    await r.exited;
    if (i < warmup) continue;
    samples.push(r.lineAt);
    cpu.push(stat(process.pid).reapedChildrenCpuMs - cpu0);
  }
  return { ready: summarize(samples), cpu: summarize(cpu) };
}

/** k copies of `node -e code` started at once: ms from the first spawn until every one has printed READY. */
export async function allReadyK(code, k) {
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: k }, () => spawnTimed(process.execPath, ['-e', code], { until: /^READY$/, keep: true })));
  const last = Math.max(...runs.map((r) => r.t0 + r.lineAt)) - t0;
  for (const r of runs) r.child.kill('SIGKILL');
  await Promise.all(runs.map((r) => r.exited));
  return last;
}
