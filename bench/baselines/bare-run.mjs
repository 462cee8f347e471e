// Baseline: runs a pre-transpiled command component on bare preview2-shim (no weft code); prints READY before run, timings to stderr.
// usage: node bare-run.mjs <transpiled-dir>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

const dir = process.argv[2];
const t0 = performance.now();
const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
const getCoreModule = async (name) => WebAssembly.compile(await readFile(join(dir, name)));
const instance = await instantiate(getCoreModule, new WASIShim().getImportObject());
const t1 = performance.now();
process.stdout.write('READY\n');
const run = instance.run ?? instance['wasi:cli/run@0.2.0'] ?? Object.values(instance).find((e) => typeof e?.run === 'function');
run.run();
const t2 = performance.now();
process.stderr.write(`${JSON.stringify({ load_ms: t1 - t0, run_ms: t2 - t1 })}\n`);
