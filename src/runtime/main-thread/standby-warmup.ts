// Standby and warm runtimes' warm-up: runs the per-session parsing and connecting code once on sample input, so V8 has compiled it before a session arrives.
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { parseManifest } from '../../manifest/parse.js';
import { WebAssemblyApi } from '../../wasm/webassembly-api.js';
import { trace } from '../both-threads/trace.js';
import { SAMPLE_IMPORT_KEYS } from '../both-threads/import-name.js';
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

/** `(module (func (export "f") (result i32) i32.const 1))`: compiled once, never instantiated. */
const SAMPLE_MODULE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0, 0x0a, 6, 1, 4, 0, 0x41, 1, 0x0b]);

/**
 * Exercises manifest parsing, hashing and import planning, starts the wasm engine (its first
 * compile in a process sets it up) and libuv's thread pool (its first asynchronous fs call starts
 * the threads that a session's reads then find running); results are discarded.
 */
export async function warmUp(): Promise<void> {
  const { manifest } = parseManifest(SAMPLE_MANIFEST);
  createHash('sha256').update(SAMPLE_MANIFEST).digest('hex');
  if (manifest) planImports(SAMPLE_IMPORT_KEYS, manifest.grants, { appId: manifest.id, sessionId: '0', ipcConnected: true, env: {}, kvQuotaBytes: 0 });
  await WebAssemblyApi.compile(SAMPLE_MODULE);
  await readdir('/').catch(() => []);
}

/**
 * Connects once to a listening Unix socket of its own and closes both ends, so Node's connect path
 * is compiled before the session connects its IPC socket: the first connect in a process takes
 * ~2 ms, later ones ~0.5 ms. The socket is in Linux's abstract namespace (a name, no file), so a
 * runtime killed meanwhile leaves nothing behind; under bubblewrap the namespace is the sandbox's
 * own network namespace. Elsewhere, and on any failure, nothing is warmed: that only costs speed.
 */
export async function rehearseConnect(): Promise<void> {
  if (process.platform !== 'linux') return;
  const { createConnection, createServer } = await import('node:net');
  const name = `\0weft-runtime-warmup-${process.pid}-${randomBytes(8).toString('hex')}`;
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, resolve);
    });
    await new Promise<void>((resolve) => {
      const socket = createConnection(name);
      socket.once('connect', () => {
        socket.destroy();
        trace('connect rehearsed');
        resolve();
      });
      socket.once('error', () => resolve());
    });
  } catch {
    // no socket here: nothing warmed
  } finally {
    server.close();
  }
}
