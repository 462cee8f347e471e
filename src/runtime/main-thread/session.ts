// Main-thread side of one session: load and check the app, start the factors' host halves, hand the app to the wasm thread, report how it ended.
import type { Socket } from 'node:net';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { effectiveLimits } from '../../config/ceilings.js';
import { readRuntimeSettings } from './settings.js';
import { appCacheDir, type Env } from '../../config/paths.js';
import type { SessionArgs } from '../../protocol/runtime-argv.js';
import type { OutcomeReason } from '../../protocol/runtime-control.js';
import { compileCoreModules, locateAppCode } from './app-code.js';
import { EXIT } from '../../protocol/runtime-exit.js';
import type { FactorHost, HostContext, SessionFacts } from '../factors/factor.js';
import { factorByName } from '../factors/index.js';
import { serveHostCalls } from '../both-threads/host-calls.js';
import { judgeComponentVersions, needsShimIo, parseImportName, planImports } from './import-plan.js';
import { LoadError } from './load-error.js';
import type { EntryPrefetch, Outcome, SessionStart, ShimIoHint, WorkerEvent } from '../both-threads/messages.js';
import { loadPackage } from './package.js';
import { checkRequestedPreopens, grantedPreopens } from './preopens.js';
import { trace } from '../both-threads/trace.js';

export interface SessionHooks {
  /** One line on stderr, prefixed `weft-runtime: `. */
  say(message: string): void;
  /** Ends the process with `code` (after flushing what must be flushed), reporting the outcome. */
  end(code: number, message: string | null, reason?: OutcomeReason, backtrace?: readonly string[]): void;
  /** The app is ready (READY is already on stdout): tell appd on the control channel. */
  ready(): void;
  /** Called once the IPC socket is open, so its closing can end the session. */
  setIpcSocket(socket: Socket): void;
}

const MIB = 1024 * 1024;

/** The user's ceilings from the environment weft-appd passed down; a bad value fails the load with its message. */
async function connectIpc(path: string): Promise<Socket> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new LoadError(`cannot connect to the IPC socket ${path}: ${error.code ?? error.message}`)));
  });
}

export interface Ending {
  code: number;
  reason: OutcomeReason;
  message: string | null;
  backtrace: string[];
}

/** The exit status and the report for how the wasm thread saw the app end. */
export function endingFor(outcome: Outcome): Ending {
  switch (outcome.kind) {
    case 'exit':
      return { code: outcome.code, reason: 'exit', message: null, backtrace: [] };
    case 'trap':
      return { code: EXIT.TRAP, reason: 'trap', message: `trap: ${outcome.message}`, backtrace: outcome.backtrace };
    case 'memory-limit':
      return { code: EXIT.MEMORY_LIMIT, reason: 'memory-limit', message: `${outcome.message} (${outcome.cause})`, backtrace: [] };
    case 'load-failed':
      return { code: outcome.exitCode, reason: 'load-failed', message: outcome.message, backtrace: [] };
  }
}

/**
 * Runs one session on an already started wasm thread. Loading happens here, in parallel with
 * the thread's own boot; the thread gets compiled modules and a plan, never a path to choose.
 */
export async function runHostSession(args: SessionArgs, worker: Worker, env: Env, hooks: SessionHooks): Promise<void> {
  let ipcSocket: Socket | null = null;
  let start: SessionStart;
  let hosts: Map<string, FactorHost>;
  try {
    const ipcConnecting = args.ipcSocket ? connectIpc(args.ipcSocket) : Promise.resolve(null);
    ipcConnecting.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    trace('session start');
    const settings = readRuntimeSettings(env);
    const pkg = await loadPackage(args.appId, env);
    trace('package loaded');
    // fs grants almost always mean preview2-shim's filesystem (and its I/O thread): start it now.
    if (pkg.manifest.grants.some((g) => g.kind === 'fs')) worker.postMessage({ type: 'shim-io' } satisfies ShimIoHint);
    const limits = effectiveLimits(pkg.manifest.limits, settings.ceilings);
    const limitMb = limits.wasmMemoryMaxMb;
    const [preopens, code] = await Promise.all([grantedPreopens(pkg.manifest, env, hooks.say), locateAppCode(pkg, env, hooks.say)]);
    await checkRequestedPreopens(args.preopens, preopens);
    const facts: SessionFacts = { appId: args.appId, sessionId: args.sessionId, ipcConnected: args.ipcSocket !== null, variables: pkg.manifest.variables, schedules: pkg.manifest.schedules, env, kvQuotaBytes: settings.kvQuotaBytes };
    trace('app code located');
    const codeCacheDir = !settings.codeCache ? null : join(appCacheDir(args.appId, env), 'v8');
    const shimIo = needsShimIo(
      code.importKeys.map((key) => parseImportName(key).iface),
      preopens.length,
    );
    worker.postMessage({ type: 'prefetch', entryUrl: code.entryUrl, codeCacheDir, needsShimIo: shimIo } satisfies EntryPrefetch);
    if (pkg.moduleKind === 'component') judgeComponentVersions(pkg.module);
    const plan = planImports(code.importKeys, pkg.manifest.grants, facts, 'key');
    const [{ modules }, socket] = await Promise.all([compileCoreModules(code, limitMb * MIB, limitMb), ipcConnecting]);
    trace('core modules compiled');
    ipcSocket = socket;
    if (socket) hooks.setIpcSocket(socket);

    const inbox = new MessageChannel();
    const arrivals = new SharedArrayBuffer(4);
    const arrivalWord = new Int32Array(arrivals);
    const context = (name: string): HostContext => ({
      appId: args.appId,
      sessionId: args.sessionId,
      ipcSocket,
      env,
      deliver: (data) => {
        inbox.port1.postMessage({ factor: name, data });
        // After the post: a wasm thread woken by this finds the message in its inbox.
        Atomics.add(arrivalWord, 0, 1);
        Atomics.notify(arrivalWord, 0);
      },
      warn: (message) => hooks.say(message),
    });
    hosts = new Map();
    for (const name of new Set(plan.factored.map((f) => f.factor))) {
      const factor = factorByName(name);
      const host = factor?.host?.(plan.factorConfigs[name], context(name));
      if (host) hosts.set(name, host);
    }
    const calls = serveHostCalls(async (request) => {
      const host = hosts.get(request.factor);
      if (!host?.call) throw new Error(`no host call ${request.factor}.${request.op}`);
      return host.call(request.op, request.args);
    });
    start = {
      type: 'session',
      controlFd: args.controlFd,
      appId: args.appId,
      sessionId: args.sessionId,
      entryUrl: code.entryUrl,
      codeCacheDir,
      modules,
      wasi: plan.wasi,
      factored: plan.factored,
      factorConfigs: plan.factorConfigs,
      importsNotify: plan.importsNotify,
      sandbox: {
        env: [
          ['WEFT_APP_ID', args.appId],
          ['WEFT_SESSION_ID', args.sessionId],
        ],
        args: [args.appId],
        preopens,
        fetchPatterns: pkg.manifest.grants.flatMap((g) => (g.kind === 'net-fetch' ? [g.host] : [])),
        jsGuard: settings.jsGuard,
        dataQuotaBytes: limits.dataMaxMb * MIB,
      },
      needsShimIo: shimIo,
      arrivals,
      earlyWakeMs: settings.earlyWakeMs,
      memoryLimitBytes: limitMb * MIB,
      memoryLimitMb: limitMb,
      hostCalls: calls.channel,
      inbox: inbox.port2,
    };
  } catch (cause) {
    if (cause instanceof LoadError) return hooks.end(cause.exitCode, cause.message);
    return hooks.end(EXIT.INTERNAL, `internal error while loading ${args.appId}: ${(cause as Error).stack ?? String(cause)}`);
  }

  worker.on('message', (event: WorkerEvent) => {
    if (event.type === 'post') hosts.get(event.factor)?.post?.(event.data);
    else if (event.type === 'ready') hooks.ready();
    else if (event.type === 'outcome') {
      const ending = endingFor(event.outcome);
      // The app's last posts (IPC messages) are handed on before the process exits.
      void Promise.allSettled([...hosts.values()].map((host) => host.settle?.())).then(() => hooks.end(ending.code, ending.message, ending.reason, ending.backtrace));
    }
  });
  trace('session sent to the wasm thread');
  worker.postMessage(start, [start.inbox, start.hostCalls.requests, start.hostCalls.replies]);
}
