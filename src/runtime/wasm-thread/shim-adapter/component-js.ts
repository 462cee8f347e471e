// What the wasm thread assumes about the component.js jco-transpile generates: its instantiate function, its module shape, its trap wording, its error results and its debug reads.
import type { WasmImports, WasmInstance, WasmModule } from '../../../wasm/webassembly-api.js';

/**
 * jco's `instantiate(getCoreModule, imports, instantiateCore)` (instantiation: 'async'): core
 * modules come from `getCoreModule(name)`, every import (WASI included) from `imports` keyed by
 * versioned interface name, and each core instance is made by `instantiateCore`.
 */
export type Instantiate = (
  getCoreModule: (name: string) => WasmModule,
  imports: Record<string, object>,
  instantiateCore: (module: WasmModule, imports?: WasmImports) => WasmInstance,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * jco's component.js as a strict function body returning `{ instantiate }`, for vm.Script (which
 * takes a V8 code cache; Node 20 has no module compile cache); null when the source does not look
 * like jco's output. The assumed shape: an ES module that imports nothing, declares its exports
 * as `export function` / `export const` at the start of a line, one of them `function
 * instantiate(`, and uses `import.meta.url` only to find core modules when no getCoreModule is
 * given (weft always gives one). A dynamic import() may stay: jco's only one sits in the
 * fetch-based loader weft never calls.
 */
export function componentJsAsScript(source: string, url: string): string | null {
  if (/^\s*import[\s{*]/m.test(source)) return null;
  const body = source.replace(/^export (function|const) /gm, '$1 ').replace(/\bimport\.meta\.url\b/g, JSON.stringify(url));
  if (/^\s*export\b/m.test(body) || /\bimport\.meta\b/.test(body) || !/^function instantiate\(/m.test(body)) return null;
  return `(function () {\n'use strict';\n${body}\nreturn { instantiate };\n})`;
}

/** How jco words a trap it recognises, before wasmtime's wording: `wasm trap: wasm \`unreachable\` instruction executed`. */
export const JCO_TRAP_PREFIX = 'wasm trap: ';

/** A trap's message without jco's repeated prefix. */
export function trapText(message: string): string {
  return message.startsWith(JCO_TRAP_PREFIX) ? message.slice(JCO_TRAP_PREFIX.length) : message;
}

/**
 * Whether a value thrown by an exported function is a failure (a trap, a host error) rather than
 * its WIT `err` result: jco throws the err's payload itself (for wasi:cli/run, `undefined`), and
 * only failures are Errors. (weft's own AppExit, also not an Error, the caller recognises first.)
 */
export function isFailure(thrown: unknown): thrown is Error {
  return thrown instanceof Error;
}

/**
 * jco's glue reads `globalThis.process.env.JCO_DEBUG` in its debug logger, dozens of times per host
 * call. In a worker `process.env` is an interceptor (a C++ call per read, ~50 µs per IPC round
 * trip, measured); a plain copy makes those reads plain property misses. Call once, on the wasm
 * thread, before component.js runs; nothing on that thread writes the environment.
 */
export function plainEnvForJcoDebugReads(): void {
  process.env = { ...process.env };
}
