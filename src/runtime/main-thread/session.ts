// Main-thread side of one session: load and check the app, start the factors' host halves, hand the app to the wasm thread, report how it ended.
import type { Socket } from 'node:net';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { effectiveLimits } from '../../config/ceilings.js';
import type { Limits } from '../../manifest/types.js';
import type { WasmModule } from '../../wasm/webassembly-api.js';
import { readRuntimeSettings, type RuntimeSettings } from './settings.js';
import { glueCacheDir } from '../../config/glue-cache.js';
import type { Env } from '../../config/paths.js';
import type { SessionArgs } from '../../protocol/runtime-argv.js';
import type { OutcomeReason } from '../../protocol/runtime-control.js';
import { compileCoreModules, locateAppCode, type AppCode } from './app-code.js';
import { EXIT } from '../../protocol/runtime-exit.js';
import type { FactorHost, HostContext, SessionFacts } from '../factors/factor.js';
import { factorByName } from '../factors/index.js';
import { serveHostCalls } from '../both-threads/host-calls.js';
import { parseImportName } from '../both-threads/import-name.js';
import { judgeComponentVersions, needsShimIo, planImports, type ImportPlan } from './import-plan.js';
import { LoadError } from './load-error.js';
import type { EntryPrefetch, Outcome, SessionStart, ShimIoHint, WorkerEvent } from '../both-threads/messages.js';
import { loadPackage, type LoadedPackage } from './package.js';
import { checkRequestedPreopens, grantedPreopens, type Preopen } from './preopens.js';
import { trace } from '../both-threads/trace.js';

export interface SessionHooks {
  /** One line on stderr, prefixed `weft-runtime: `. */
  say(message: string): void;
  /** Ends the process with `code` (after flushing what must be flushed), reporting the outcome. */
  end(code: number, message: string | null, reason?: OutcomeReason, backtrace?: readonly string[]): void;
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

/** An app loaded, verified and compiled, ready for a session: everything before the first session-specific step. */
export interface PreparedApp {
  appId: string;
  pkg: LoadedPackage;
  settings: RuntimeSettings;
  limits: Limits;
  preopens: Preopen[];
  code: AppCode;
  modules: Record<string, WasmModule>;
  codeCacheDir: string | null;
  shimIo: boolean;
}

/**
 * Loads `appId` as far as it goes without running it: resolves and verifies the install (module
 * hash, precompiled files' hashes), decides its preopens, compiles its core modules under its
 * memory limit and asks the wasm thread to load component.js (jco's glue: it defines
 * `instantiate` and runs nothing of the app). A warm runtime does this before any session
 * exists, and has the wasm thread rehearse the glue (`rehearse`); a cold one while its IPC socket
 * connects. Throws LoadError.
 */
export async function prepareApp(appId: string, worker: Worker, env: Env, say: (message: string) => void, rehearse = false): Promise<PreparedApp> {
  const settings = readRuntimeSettings(env);
  const pkg = await loadPackage(appId, env);
  trace('package loaded');
  // fs grants almost always mean preview2-shim's filesystem (and its I/O thread): start it now.
  if (pkg.manifest.grants.some((g) => g.kind === 'fs')) worker.postMessage({ type: 'shim-io' } satisfies ShimIoHint);
  const limits = effectiveLimits(pkg.manifest.limits, settings.ceilings);
  const limitMb = limits.wasmMemoryMaxMb;
  const [preopens, code] = await Promise.all([grantedPreopens(pkg.manifest, env, say), locateAppCode(pkg, env, say)]);
  trace('app code located');
  const codeCacheDir = !settings.codeCache ? null : glueCacheDir(appId, env);
  const shimIo = needsShimIo(
    code.importKeys.map((key) => parseImportName(key).iface),
    preopens.length,
  );
  worker.postMessage({ type: 'prefetch', entryUrl: code.entryUrl, verified: code.verified, codeCacheDir, needsShimIo: shimIo, rehearse } satisfies EntryPrefetch);
  if (pkg.moduleKind === 'component') judgeComponentVersions(pkg.module);
  const { modules } = await compileCoreModules(code, limitMb * MIB, limitMb);
  trace('core modules compiled');
  return { appId, pkg, settings, limits, preopens, code, modules, codeCacheDir, shimIo };
}

/** What a session's factors and import plan know of it. */
export function sessionFacts(args: Pick<SessionArgs, 'appId' | 'sessionId' | 'ipcSocket'>, app: PreparedApp, env: Env): SessionFacts {
  const { manifest } = app.pkg;
  return { appId: args.appId, sessionId: args.sessionId, ipcConnected: args.ipcSocket !== null, variables: manifest.variables, schedules: manifest.schedules, env, kvQuotaBytes: app.settings.kvQuotaBytes };
}

/** The import plan for a session of `app` (throws LoadError for an import its grants do not allow). */
export function planFor(app: PreparedApp, facts: SessionFacts): ImportPlan {
  return planImports(app.code.importKeys, app.pkg.manifest.grants, facts, 'key');
}

/**
 * Runs one session on an already started wasm thread. Loading happens here, in parallel with
 * the thread's own boot; the thread gets compiled modules and a plan, never a path to choose.
 * `prepared` is the app a warm runtime prepared before the session arrived (same app id).
 */
export async function runHostSession(args: SessionArgs, worker: Worker, env: Env, hooks: SessionHooks, prepared: PreparedApp | null = null): Promise<void> {
  let ipcSocket: Socket | null = null;
  let start: SessionStart;
  let hosts: Map<string, FactorHost>;
  try {
    const ipcConnecting = args.ipcSocket ? connectIpc(args.ipcSocket) : Promise.resolve(null);
    ipcConnecting.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    trace('session start');
    if (prepared !== null && prepared.appId !== args.appId) throw new LoadError(`this warm runtime holds ${prepared.appId}, not ${args.appId}; weft-appd hands a warm runtime only its own app`, EXIT.USAGE);
    const app = prepared ?? (await prepareApp(args.appId, worker, env, hooks.say));
    const { pkg, limits, preopens, code, modules, codeCacheDir, shimIo, settings } = app;
    const limitMb = limits.wasmMemoryMaxMb;
    await checkRequestedPreopens(args.preopens, preopens);
    const facts = sessionFacts(args, app, env);
    const plan = planFor(app, facts);
    const socket = await ipcConnecting;
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
    else if (event.type === 'outcome') {
      const ending = endingFor(event.outcome);
      // The app's last posts (IPC messages) are handed on before the process exits.
      void Promise.allSettled([...hosts.values()].map((host) => host.settle?.())).then(() => hooks.end(ending.code, ending.message, ending.reason, ending.backtrace));
    }
  });
  trace('session sent to the wasm thread');
  worker.postMessage(start, [start.inbox, start.hostCalls.requests, start.hostCalls.replies]);
}
