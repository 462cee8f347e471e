// A pre-started runtime's rehearsal of building a session's WASI imports: the same code on a sample plan and an empty sandbox, so V8 has compiled it before a session arrives; the result is discarded.
import type { ImportName } from '../main-thread/import-plan.js';
import { createExitTracker } from './wasi/exit.js';
import { createWasiBase, wasiImports, type WasiSandbox } from './wasi/imports.js';
import type { ShimRandom } from './shim-adapter/shim.js';

/** What a command component imports from WASI (no sockets or http: those load modules of their own). */
const SAMPLE_INTERFACES = [
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:filesystem/preopens',
  'wasi:filesystem/types',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
];

/** No preopens, no env, no network: the rehearsal reaches nothing (weft's own empty filesystem serves it). */
const EMPTY_SANDBOX: WasiSandbox = { env: [], args: [], preopens: [], fetchPatterns: [], jsGuard: true, dataQuotaBytes: 0 };

/** Builds and drops one import object; nothing of it is ever called, so nothing is written or read. */
export async function rehearseImports(random: ShimRandom): Promise<void> {
  const names: ImportName[] = SAMPLE_INTERFACES.map((iface) => ({ key: `${iface}@0.2.3`, iface, version: '0.2.3' }));
  const base = createWasiBase({ shimIo: null, random, arrivals: null, earlyWakeMs: 0 });
  await wasiImports(names, EMPTY_SANDBOX, base, createExitTracker());
}
