// What the wasm thread assumes about the component.js jco-transpile generates: its instantiate function, its module shape, its trap wording, its error results and its debug reads.
import { WebAssemblyApi, type WasmImports, type WasmInstance, type WasmModule } from '../../../wasm/webassembly-api.js';

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
 * like jco's output. Where V8 has no JSPI, the glue's guarded JSPI probes are resolved here
 * (`withoutGuardedJspiProbes`). The assumed shape: an ES module that imports nothing, declares its exports
 * as `export function` / `export const` at the start of a line, one of them `function
 * instantiate(`, and uses `import.meta.url` only to find core modules when no getCoreModule is
 * given (weft always gives one). A dynamic import() may stay: jco's only one sits in the
 * fetch-based loader weft never calls. The script does not contain where component.js lives:
 * `import.meta.url` becomes the function's parameter (ScriptFactory), so the same glue staged into
 * a different directory (a standby's stage) is the same script and hits the same code cache.
 */
export function componentJsAsScript(source: string): string | null {
  if (/^\s*import[\s{*]/m.test(source)) return null;
  const body = source.replace(/^export (function|const) /gm, '$1 ').replace(/\bimport\.meta\.url\b/g, IMPORT_META_URL);
  if (/^\s*export\b/m.test(body) || /\bimport\.meta\b/.test(body) || !/^function instantiate\(/m.test(body)) return null;
  const resolved = typeof (WebAssemblyApi as unknown as { promising?: unknown }).promising === 'function' ? body : withoutGuardedJspiProbes(body);
  return `(function (${IMPORT_META_URL}) {\n'use strict';\n${resolved}\nreturn { instantiate };\n})`;
}

/** What componentJsAsScript's script evaluates to: called with component.js's URL (its `import.meta.url`), it evaluates the glue afresh. */
export type ScriptFactory = (importMetaUrl: string) => { instantiate: Instantiate };

/** The parameter that stands for `import.meta.url` in componentJsAsScript's script; no jco identifier starts with `__weft`. */
const IMPORT_META_URL = '__weftImportMetaUrl';

let rewriteIdentity: string | null = null;
/**
 * What componentJsAsScript's output depends on besides the glue: its own code, the probe pattern,
 * the parameter name and whether V8 has JSPI. A cached script is named with it, so a weft whose
 * rewrite differs never picks up another's script.
 */
export function scriptRewriteIdentity(): string {
  rewriteIdentity ??= [
    componentJsAsScript.toString(),
    withoutGuardedJspiProbes.toString(),
    GUARDED_JSPI_PROBE.source,
    IMPORT_META_URL,
    typeof (WebAssemblyApi as unknown as { promising?: unknown }).promising,
  ].join('\0');
  return rewriteIdentity;
}

/**
 * Runs componentJsAsScript once on a few lines shaped like jco's glue, so a standby's wasm thread
 * has compiled the rewrite's regular expressions before a session's 300 KB glue arrives whose
 * script is not cached yet (the first run of each costs milliseconds).
 */
export function rehearseScriptRewrite(): void {
  const sample = 'export function instantiate(getCoreModule, imports, instantiateCore) {\n  let f;\n  try { f = WebAssembly.promising(g); } catch (e) { f = g; }\n  return new URL("./core.wasm", import.meta.url);\n}\n';
  const script = componentJsAsScript(sample);
  if (script === null) throw new Error('componentJsAsScript no longer recognises its own sample');
}

/** jco's guarded JSPI probe: `try { x = WebAssembly.promising(f); } catch(err) { x = f; }`. */
const GUARDED_JSPI_PROBE = /try \{\s*([A-Za-z_$][\w$]*) = WebAssembly\.promising\(([\w$.]+)\);\s*\} catch\s*\(\w+\) \{\s*\1 = \2;\s*\}/g;

/**
 * The glue with each guarded JSPI probe replaced by what its catch assigns (`x = f;`), for a V8
 * without JSPI (Node 20, 22). There the probe always throws, and V8 words the TypeError ("is not
 * a function") by re-parsing the enclosing function, all ~300 KB of `instantiate`: ~2 ms per
 * probe, two per launch. Only the guarded form is touched: an unguarded `WebAssembly.promising`
 * (jco's async-lifted exports) still throws, and such an app still fails to load, as before.
 */
export function withoutGuardedJspiProbes(body: string): string {
  return body.replace(GUARDED_JSPI_PROBE, '$1 = $2;');
}

/** The stand-in for every import during a rehearsal: any member is a function that does nothing. */
const STAND_IN_INTERFACE: object = new Proxy(
  {},
  { get: (_target, member) => (member === 'then' ? undefined : function standIn(): void {}) },
);
const STAND_IN_IMPORTS: Record<string, object> = new Proxy({}, { get: () => STAND_IN_INTERFACE });

/**
 * Runs jco's `instantiate` up to the point where it waits for its first core module, so V8 compiles
 * (and the code cache keeps) the glue's thousands of lines before a session arrives; then abandons
 * it. Nothing of the app runs: every import is a stand-in that does nothing, every core module is
 * a promise that never settles, and `instantiateCore` throws if it is ever reached (so no core
 * instance, start function or data segment of the app can exist). Assumes what jco 1.x generates:
 * `instantiate` defines its helpers and reads every import synchronously, then waits for a core
 * module before instantiating anything, returning a pending promise. Give it an `instantiate` of
 * its own (a second evaluation of component.js): the rehearsal's state must not be the session's.
 * Throws when the glue does not behave so (a jco change; the contract tests catch it).
 */
export function rehearseInstantiate(instantiate: Instantiate): void {
  const never = new Promise<never>(() => {}) as unknown as WasmModule;
  let instantiated = false;
  const result = instantiate(
    () => never,
    STAND_IN_IMPORTS,
    () => {
      instantiated = true;
      throw new Error('a rehearsal must not instantiate a core module');
    },
  );
  if (instantiated || !(result instanceof Promise)) throw new Error("jco's instantiate did not wait for its core modules before instantiating one");
  result.catch(() => {}); // pending on the never-settling modules: abandoned, and collected, from here
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
