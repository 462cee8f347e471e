// The wasm thread's session: builds the import object (sandboxed WASI + granted factors), instantiates, announces READY, runs, classifies the end.
import { receiveMessageOnPort } from 'node:worker_threads';
import { isRunExport } from '../../wasm/entry-point.js';
import { openControl } from '../both-threads/control.js';
import { sayOnControl } from '../both-threads/say.js';
import { EXIT } from '../../protocol/runtime-exit.js';
import type { GuestContext, InterfaceImpl } from '../factors/factor.js';
import { factorByName } from '../factors/index.js';
import { hostCaller } from '../both-threads/host-calls.js';
import type { Delivery, Outcome, SessionStart, WorkerEvent } from '../both-threads/messages.js';
import { trace } from '../both-threads/trace.js';
import { AppExit, createExitTracker } from './wasi/exit.js';
import { createWasiBase, wasiImports, type WasiBackend, type WasiBase } from './wasi/imports.js';
import type { LoadedEntry } from './entry-loader.js';
import { isFailure, trapText } from './shim-adapter/component-js.js';
import { ArrivalSignal } from './wasi/poll.js';
import { WebAssemblyApi, type WasmMemory } from '../../wasm/webassembly-api.js';

const MAX_BACKTRACE_FRAMES = 40;

/** The wasm frames of an error's stack, for a trap report. */
function wasmBacktrace(error: Error): string[] {
  const lines = (error.stack ?? '').split('\n').filter((line) => line.includes('wasm://') || line.includes('wasm-function'));
  return lines.slice(0, MAX_BACKTRACE_FRAMES).map((line) => line.trim());
}

function trapMessage(error: unknown): string {
  if (error instanceof WebAssemblyApi.RuntimeError) return trapText(error.message);
  if (error instanceof RangeError && /call stack/i.test(error.message)) return `stack overflow (${error.message})`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function createGuestContext(start: SessionStart, arrivals: ArrivalSignal, ready: () => void, post: (event: WorkerEvent) => void): GuestContext {
  const call = hostCaller(start.hostCalls);
  const held = new Map<string, unknown[]>();
  return {
    appId: start.appId,
    call: (factor, op, args) => call({ factor, op, args }),
    post: (factor, data) => post({ type: 'post', factor, data }),
    receive(factor) {
      arrivals.markSeen(); // before looking: a message posted after this still ends the next short sleep
      const queued = held.get(factor);
      if (queued && queued.length > 0) return queued.shift();
      for (;;) {
        const received = receiveMessageOnPort(start.inbox);
        if (!received) return undefined;
        const delivery = received.message as Delivery;
        if (delivery.factor === factor) return delivery.data;
        held.set(delivery.factor, [...(held.get(delivery.factor) ?? []), delivery.data]);
      }
    },
    ready,
  };
}

/** What the wasm thread has loaded for the session's WASI: preview2-shim's random, and its I/O side when asked for. */
export type LoadBackend = (needsShimIo: boolean) => Promise<Pick<WasiBackend, 'shimIo' | 'random'>>;

/** Instantiates and runs the app of one session; resolves with how it ended. */
export async function runWasmSession(start: SessionStart, loadBackend: LoadBackend, loadComponent: () => Promise<LoadedEntry>, post: (event: WorkerEvent) => void): Promise<Outcome> {
  // Runtime notes from this thread (the filesystem guard's) go where the main thread's go.
  sayOnControl(start.controlFd);
  const arrivals = new ArrivalSignal(new Int32Array(start.arrivals));
  let stdio: WasiBase['stdio'] | null = null;
  const exit = createExitTracker();
  let announced = false;
  const control = openControl(start.controlFd);
  let entry: LoadedEntry | null = null;
  const ready = (): void => {
    if (announced || !stdio) return;
    announced = true;
    stdio.writeReady();
    // Straight to appd from this thread (one atomic line, as notes are): a hop through the main
    // thread's event loop would add its wake-up to every launch.
    control.send({ type: 'ready' });
    trace('READY');
    // After READY, so only a first launch pays for it, and with everything READY needed compiled.
    entry?.saveCodeCache();
  };

  let imports: Record<string, object>;
  try {
    const base = createWasiBase({ ...(await loadBackend(start.needsShimIo)), arrivals, earlyWakeMs: start.earlyWakeMs });
    stdio = base.stdio;
    imports = await wasiImports(start.wasi, start.sandbox, base, exit);
    const context = createGuestContext(start, arrivals, ready, post);
    for (const name of new Set(start.factored.map((f) => f.factor))) {
      const factor = factorByName(name);
      if (!factor) throw new Error(`internal error: unknown factor ${name}`);
      const provided: Record<string, InterfaceImpl> = factor.guest(start.factorConfigs[name], context);
      for (const wanted of start.factored.filter((f) => f.factor === name)) {
        const impl = provided[wanted.iface];
        if (!impl) throw new Error(`internal error: factor ${name} does not provide ${wanted.iface}`);
        imports[wanted.key] = impl;
      }
    }
    trace('imports built');
    entry = await loadComponent();
    trace('component.js loaded');
  } catch (cause) {
    return { kind: 'load-failed', message: `cannot prepare the app: ${(cause as Error).message}`, exitCode: EXIT.LOAD_FAILED };
  }

  const memories: WasmMemory[] = [];
  const limit = start.memoryLimitBytes;
  const atMemoryLimit = (): boolean => {
    // memory.grow fails silently (-1); an app that then ends badly with its memory this close to
    // the cap ran out of it. The slack covers the allocation that did not fit.
    const slack = Math.max(1024 * 1024, limit / 8);
    return memories.some((memory) => memory.buffer.byteLength > limit - slack);
  };
  const memoryLimit = (cause: string): Outcome => ({
    kind: 'memory-limit',
    message: `memory-limit: linear memory reached its ${start.memoryLimitMb} MiB limit ([limits] wasm_memory_max_mb)`,
    cause,
  });
  const outcomeOf = (error: unknown): Outcome => {
    if (error instanceof AppExit) {
      return error.code !== 0 && atMemoryLimit() ? memoryLimit(`the app then exited with status ${error.code}`) : { kind: 'exit', code: error.code };
    }
    if (isFailure(error)) {
      if (atMemoryLimit() || (error instanceof RangeError && /memory/i.test(error.message))) return memoryLimit(`the app then trapped: ${trapMessage(error)}`);
      return { kind: 'trap', message: trapMessage(error), backtrace: wasmBacktrace(error) };
    }
    // run() returned its WIT error result: a failed command, status 1 (as wasmtime reports it).
    return atMemoryLimit() ? memoryLimit('the app then returned an error') : { kind: 'exit', code: 1 };
  };

  let exports: Record<string, unknown>;
  try {
    exports = await entry.instantiate(
      (name) => {
        const compiled = start.modules[name];
        if (!compiled) throw new Error(`the precompiled app has no core module ${name}`);
        return compiled;
      },
      imports,
      (compiled, importObject) => {
        const instance = new WebAssemblyApi.Instance(compiled, exit.wrapImports(importObject));
        for (const value of Object.values(instance.exports)) if (value instanceof WebAssemblyApi.Memory) memories.push(value);
        return instance;
      },
    );
  } catch (cause) {
    if (cause instanceof WebAssemblyApi.LinkError || cause instanceof TypeError) {
      return { kind: 'load-failed', message: `cannot instantiate the app: ${(cause as Error).message}`, exitCode: EXIT.LOAD_FAILED };
    }
    return outcomeOf(cause);
  }

  trace('instantiated');
  const runKey = Object.keys(exports).find(isRunExport);
  const run = runKey ? (exports[runKey] as { run?: unknown }).run : undefined;
  if (typeof run !== 'function') {
    return { kind: 'load-failed', message: `missing entry point: the app exports no wasi:cli/run (exports: ${Object.keys(exports).join(', ') || 'none'})`, exitCode: EXIT.MISSING_ENTRY_POINT };
  }
  if (!start.importsNotify) ready();
  try {
    await (run as () => unknown)();
    return { kind: 'exit', code: 0 };
  } catch (error) {
    return outcomeOf(error);
  } finally {
    entry.saveCodeCache(); // an app that ended without READY: its next launch still gets a cache
  }
}
