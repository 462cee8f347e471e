// Messages between weft-runtime's main thread and its wasm thread.
import type { WasmModule } from '../../wasm/webassembly-api.js';
import type { MessagePort } from 'node:worker_threads';
import type { HostCallChannel } from './host-calls.js';
import type { ImportName } from './import-name.js';
import type { WasiSandbox } from '../wasm-thread/wasi/imports.js';

/** component.js as the main thread read it and checked it against the install record. */
export interface VerifiedEntry {
  bytes: Uint8Array;
  /** Its SHA-256 (hex), as the install record has it. */
  sha256: string;
}

/**
 * Sent as soon as the app's code is located, before the session is ready: the wasm thread starts
 * loading component.js while the main thread compiles the core modules.
 */
export interface EntryPrefetch {
  type: 'prefetch';
  entryUrl: string;
  /** component.js as the main thread read and verified it (precompiled installs), or null: the wasm thread then reads entryUrl itself. */
  verified: VerifiedEntry | null;
  /** The app's glue cache (component.js's script form and V8 code cache, `glueCacheDir`), or null for none. */
  codeCacheDir: string | null;
  /** The session will need preview2-shim's I/O side (`needsShimIo`): start loading it now. */
  needsShimIo: boolean;
  /**
   * A warm runtime's: once component.js has loaded, run its glue once on stand-ins
   * (`rehearseInstantiate`), so V8 has compiled it before the session; nothing of the app runs.
   */
  rehearse: boolean;
}

/** Sent as soon as the manifest shows fs grants: the session will likely need preview2-shim's I/O side, so start loading it. */
export interface ShimIoHint {
  type: 'shim-io';
}

/** Everything the wasm thread needs to run one session; sent once, by structured clone. */
export interface SessionStart {
  type: 'session';
  /** The control channel's fd (notes from this thread go there), or null under a foreign supervisor. */
  controlFd: number | null;
  appId: string;
  sessionId: string;
  entryUrl: string;
  codeCacheDir: string | null;
  /** Compiled core modules by file name, memory limits already applied. */
  modules: Record<string, WasmModule>;
  wasi: ImportName[];
  factored: (ImportName & { factor: string })[];
  factorConfigs: Record<string, unknown>;
  importsNotify: boolean;
  sandbox: WasiSandbox;
  /** Serve WASI with preview2-shim's I/O side (files, sockets, http) rather than weft's own io alone. */
  needsShimIo: boolean;
  /** Int32[0]: bumped and notified by the main thread each time it delivers a message to the inbox. */
  arrivals: SharedArrayBuffer;
  /** Timers at most this long end early when a message arrives (0: never). */
  earlyWakeMs: number;
  memoryLimitBytes: number;
  memoryLimitMb: number;
  hostCalls: HostCallChannel;
  /** Messages a factor's host half delivers to its guest half: `{ factor, data }`. */
  inbox: MessagePort;
}

export interface Delivery {
  factor: string;
  data: unknown;
}

/** How the app ended, as the wasm thread saw it. */
export type Outcome =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string; backtrace: string[] }
  | { kind: 'memory-limit'; message: string; cause: string }
  | { kind: 'load-failed'; message: string; exitCode: number };

export type WorkerEvent =
  | { type: 'booted' }
  /** component.js (and, when asked, preview2-shim's I/O side) named by a prefetch has loaded, or failed to (the session reports it). */
  | { type: 'prefetched' }
  | { type: 'post'; factor: string; data: unknown }
  | { type: 'outcome'; outcome: Outcome };
