// The shape of a factor: one capability-gated host interface, split into its main-thread half and its wasm-thread half.
import type { Grant } from '../../manifest/capabilities.js';
import type { Env } from '../../config/paths.js';

/** A WIT result as jco's generated bindings accept it from a host function. */
export type WitResult<T> = { tag: 'ok'; val: T } | { tag: 'err'; val: string };

export function ok<T>(val: T): WitResult<T> {
  return { tag: 'ok', val };
}

export function err(val: string): WitResult<never> {
  return { tag: 'err', val };
}

/** One WIT interface's functions, camelCased as jco expects (`recv`, `send`). */
export type InterfaceImpl = Record<string, (...args: never[]) => unknown>;

/** The reply to a synchronous host call: a value, or an error message for the app. */
export type HostReply = { ok: true; value: unknown } | { ok: false; error: string };

export interface SessionFacts {
  appId: string;
  sessionId: string;
  /** Whether weft-runtime was given --ipc-socket (and connected). */
  ipcConnected: boolean;
  /** The manifest's [variables] (absent: none). */
  variables?: readonly import('../../manifest/variables.js').Variable[];
  /** The manifest's [[schedules]] (absent: none). */
  schedules?: readonly import('../../manifest/schedules.js').Schedule[];
  /** The runtime's environment (where weft's state lives), read once by the session. */
  env: Env;
  /** The key-value quota in bytes (WEFT_KV_MAX_MB, read by the runtime's settings). */
  kvQuotaBytes: number;
}

/** What the wasm thread offers a factor's guest half. */
export interface GuestContext {
  readonly appId: string;
  /** Blocks the wasm thread until the main thread has served the call. */
  call(factor: string, op: string, args: unknown[]): HostReply;
  /** Fire-and-forget message to the factor's host half. */
  post(factor: string, data: unknown): void;
  /** The next message the host half delivered to this factor, or undefined; never blocks. */
  receive(factor: string): unknown;
  /** Announces READY (once). */
  ready(): void;
}

/** What the main thread offers a factor's host half. */
export interface HostContext {
  readonly appId: string;
  readonly sessionId: string;
  /** The per-session IPC socket when --ipc-socket was given. */
  readonly ipcSocket: import('node:net').Socket | null;
  /** The runtime's environment (where weft's state lives), read once by the session. */
  readonly env: Env;
  /** Queues a message for the guest half's `receive`. */
  deliver(data: unknown): void;
  /** A one-line warning on stderr, prefixed `weft-runtime: `. */
  warn(message: string): void;
}

export interface FactorHost {
  /** Serves `GuestContext.call` for this factor; a rejection becomes `{ ok: false, error }`. */
  call?(op: string, args: unknown[]): Promise<unknown>;
  /** Receives `GuestContext.post` for this factor. */
  post?(data: unknown): void;
  /**
   * After the app ended, before the process exits: resolves once everything the guest posted has
   * been handed on (or cannot be), so that an app's last messages outlive it.
   */
  settle?(): Promise<void>;
}

export interface Factor<Config> {
  readonly name: string;
  // Which interfaces it provides and which capability each needs: src/protocol/interfaces.ts.
  /**
   * Main thread: the per-session configuration when the grants allow this factor, else null.
   * It crosses to the wasm thread by structured clone (SharedArrayBuffers stay shared).
   */
  grant(grants: readonly Grant[], session: SessionFacts): Config | null;
  /** Main thread: per-session host state and I/O. */
  host?(config: Config, context: HostContext): FactorHost;
  /** Wasm thread: the import functions, keyed by unversioned interface name (`weft:app/ipc`). */
  guest(config: Config, context: GuestContext): Record<string, InterfaceImpl>;
}

/**
 * Erases a factor's Config type for the registry: configs cross threads as plain data anyway,
 * and each factor only ever receives the config its own `grant` produced.
 */
export function defineFactor<Config>(factor: Factor<Config>): Factor<unknown> {
  return factor as unknown as Factor<unknown>;
}
