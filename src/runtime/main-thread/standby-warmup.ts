// Standby warm-up: runs the per-session parsing code once on sample input, so V8 has compiled it before a session arrives.
import { createHash } from 'node:crypto';
import { parseManifest } from '../../manifest/parse.js';
import { planImports } from './import-plan.js';

const SAMPLE_MANIFEST = `[package]
id = "org.weft.standby.sample"
name = "Standby sample"
version = "1.0.0"
description = "parsed once while standing by"
capabilities = ["fs:rw:app-data", "net:fetch:api.example.com"]

[runtime]
module = "app.wasm"

[ui]
entry = "ui/index.html"

[limits]
wasm_memory_max_mb = 64
`;

const SAMPLE_IMPORTS = ['wasi:cli/environment@0.2.3', 'wasi:cli/exit@0.2.3', 'wasi:io/streams@0.2.3', 'weft:app/notify@0.1.0', 'weft:app/ipc@0.1.0'];

/** Exercises manifest parsing, hashing and import planning; results are discarded. */
export function warmUp(): void {
  const { manifest } = parseManifest(SAMPLE_MANIFEST);
  createHash('sha256').update(SAMPLE_MANIFEST).digest('hex');
  if (manifest) planImports(SAMPLE_IMPORTS, manifest.grants, { appId: manifest.id, sessionId: '0', ipcConnected: true, env: {}, kvQuotaBytes: 0 });
}
