// Hostile and variant apps placed straight into a sandbox store: WAT-built floods and env dumps, fixtures with altered grants.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS_DIR, type Sandbox } from '../helpers/sandbox.js';
import { ENV_DUMP_WAT, floodWat, watToWasm } from '../helpers/wat.js';
import { manifest } from './packages.js';

/** Writes `<store>/<id>/` with the given module bytes (or a fixture's app.wasm) and manifest fields. */
export function placeApp(sandbox: Sandbox, id: string, wasm: Uint8Array | { fixture: string }, fields: Parameters<typeof manifest>[1] = {}): string {
  const dir = join(sandbox.store, id);
  mkdirSync(join(dir, 'ui'), { recursive: true });
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>hostile</title>\n');
  writeFileSync(join(dir, 'wapp.toml'), manifest(id, fields));
  if (wasm instanceof Uint8Array) writeFileSync(join(dir, 'app.wasm'), wasm);
  else copyFileSync(join(APPS_DIR, wasm.fixture, 'app.wasm'), join(dir, 'app.wasm'));
  return id;
}

export const FLOOD_ID = 'org.weft.hostile.flood';
export const FLOOD_NOLF_ID = 'org.weft.hostile.floodnolf';
export const ENV_DUMP_ID = 'org.weft.hostile.envdump';

/** A preview1 app that prints the same line forever. */
export async function placeFlood(sandbox: Sandbox): Promise<string> {
  return placeApp(sandbox, FLOOD_ID, await watToWasm(floodWat('FLOOD the quick brown fox jumps over the lazy dog\n')));
}

/** A preview1 app that writes 4 KiB chunks with no newline forever (one endless line). */
export async function placeNewlineFreeFlood(sandbox: Sandbox): Promise<string> {
  return placeApp(sandbox, FLOOD_NOLF_ID, await watToWasm(floodWat('x'.repeat(4096))));
}

/** A preview1 app that prints every environment variable it can see between ENV-BEGIN and ENV-END. */
export async function placeEnvDump(sandbox: Sandbox): Promise<string> {
  return placeApp(sandbox, ENV_DUMP_ID, await watToWasm(ENV_DUMP_WAT));
}
