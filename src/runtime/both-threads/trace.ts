// Startup timing marks on stderr when WEFT_RUNTIME_TRACE=1: milliseconds since the runtime process started, from either thread.
import { writeSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';

const enabled = process.env.WEFT_RUNTIME_TRACE === '1';
/** Epoch ms at which the process started (the main thread's time origin; the wasm thread gets it in workerData). */
const processStart: number = isMainThread ? performance.timeOrigin : ((workerData as { processStart?: number } | undefined)?.processStart ?? performance.timeOrigin);

export function trace(label: string): void {
  if (!enabled) return;
  const ms = performance.timeOrigin + performance.now() - processStart;
  writeSync(2, `weft-runtime: trace ${ms.toFixed(1)} ms ${isMainThread ? 'main' : 'wasm'}: ${label}\n`);
}
