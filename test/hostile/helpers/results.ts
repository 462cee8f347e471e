// Records what a hostile suite tried and saw, as JSON under $TMPDIR/weft-hostile-results/, for the table in hostile-input.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIR = process.env.WEFT_HOSTILE_RESULTS ?? join(tmpdir(), 'weft-hostile-results');

/** Merges `values` into <suite>.json (one file per suite, rewritten on every call). */
export function record(suite: string, values: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${suite}.json`);
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // first record of this run
  }
  writeFileSync(path, `${JSON.stringify({ ...current, ...values, updated: new Date().toISOString() }, null, 2)}\n`);
}
