// A pre-started runtime's rehearsal of building a session's WASI imports: the same code on a sample plan and an empty sandbox, so V8 has compiled it before a session arrives; the result is discarded.
import { parseImportName, SAMPLE_IMPORT_KEYS } from '../both-threads/import-name.js';
import { createExitTracker } from './wasi/exit.js';
import { createWasiBase, wasiImports, type WasiSandbox } from './wasi/imports.js';
import type { ShimRandom } from './shim-adapter/shim.js';

/** No preopens, no env, no network: the rehearsal reaches nothing (weft's own empty filesystem serves it). */
const EMPTY_SANDBOX: WasiSandbox = { env: [], args: [], preopens: [], fetchPatterns: [], jsGuard: true, dataQuotaBytes: 0 };

/** Builds and drops one import object; nothing of it is ever called, so nothing is written or read. */
export async function rehearseImports(random: ShimRandom): Promise<void> {
  const names = SAMPLE_IMPORT_KEYS.map(parseImportName).filter((name) => name.iface.startsWith('wasi:'));
  const base = createWasiBase({ shimIo: null, random, arrivals: null, earlyWakeMs: 0 });
  await wasiImports(names, EMPTY_SANDBOX, base, createExitTracker());
}
