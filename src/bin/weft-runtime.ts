#!/usr/bin/env node
// weft-runtime: runs one app session in this process (docs/architecture/runtime.md); starts the wasm thread before anything else loads.
// Each thread runs from its bundle in dist/bundle/ (scripts/bundle-runtime.mjs): two files to load instead of dozens of modules.
import module from 'node:module';
import { Worker } from 'node:worker_threads';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const argv = process.argv.slice(2);
// The wasm thread boots (a Node environment plus preview2-shim, tens of ms) while this thread
// loads the rest of the runtime and the app.
const worker = new Worker(new URL('../bundle/runtime-wasm-thread.cjs', import.meta.url), {
  workerData: { standby: argv[0] === '--standby' || argv[0] === '--warm', processStart: performance.timeOrigin },
  // A small young generation: ~1.5 MiB less RSS per session, no measurable cost in launch, IPC or
  // compute (docs/architecture/runtime.md, Measurements).
  resourceLimits: { maxYoungGenerationSizeMb: 2 },
});
// Listen before the first await: a worker message with no listener is dropped, and the wasm thread
// can finish booting while main.js is still loading (a standby then never printed STANDBY).
const booted = new Promise<void>((resolve) => {
  const onMessage = (event: { type?: unknown }): void => {
    if (event?.type !== 'booted') return;
    worker.off('message', onMessage);
    resolve();
  };
  worker.on('message', onMessage);
});
// A URL the compiler does not follow (the bundle exists only after the build); the type is the module's it was built from.
const mainThread = new URL('../bundle/runtime-main-thread.mjs', import.meta.url).href;
const { runtimeMain } = (await import(mainThread)) as typeof import('../runtime/main-thread/main.js');
await runtimeMain(argv, worker, booted);
