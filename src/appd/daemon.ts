// Wires appd together: backend, listener, supervisor, server; restores the last session at start and shuts down cleanly.
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Env } from '../config/paths.js';
import type { Logger } from '../log/logger.js';
import type { DaemonStatus, Response } from '../protocol/messages.js';
import { chooseBackend, probeSystemd } from './backends/choose.js';
import { DirectBackend } from './backends/direct.js';
import { runtimeCommand } from './backends/runtime-command.js';
import { StandbyPool } from './backends/standby-pool.js';
import { WarmPool } from './backends/warm-pool.js';
import { SystemdScopeBackend } from './backends/systemd-scope.js';
import type { LaunchBackend } from './backends/types.js';
import { ConfigError, type AppdConfig } from './config.js';
import { UsageSampler } from './limits/sampler.js';
import { noopNotifier, notifySafely, type Notifier } from './notifier.js';
import { lastSessionPath, saveLastSession, takeLastSession } from './persist/last-session.js';
import { createDispatcher } from './server/dispatch.js';
import { openListener, type ListenSource } from './server/listen.js';
import { AppdServer } from './server/server.js';
import { removeStaleIpcSockets } from './session/ipc-sockets.js';
import { Scheduler } from './schedule/scheduler.js';
import { Supervisor } from './session/supervisor.js';
import { Confiner } from './sandbox/confiner.js';
import { reapOrphanedSandboxes } from './sandbox/orphans.js';
import { readHostLayout } from './sandbox/host-layout.js';
import { chooseSandbox, describeSandbox } from './sandbox/mechanism.js';
import { resolveInstalled } from '../store/resolve.js';
import type { UiLookup } from './ws/app-ui.js';
import { WsEndpoint } from './ws/endpoint.js';
import { weftVersion } from './version.js';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Opens the WebSocket endpoint. A port that cannot be bound (another program has it) leaves appd
 * running on its Unix socket alone, with an error in the log saying how to choose another port.
 */
async function openWs(config: AppdConfig, dispatch: ReturnType<typeof createDispatcher>, otherClients: () => number, ui: UiLookup, log: Logger): Promise<WsEndpoint | null> {
  try {
    const ws = await WsEndpoint.open({ port: config.wsPort ?? 0, stateDir: config.stateDir, handle: dispatch, maxClients: config.maxClients, otherClients, maxBufferedBytes: config.maxClientUnreadBytes, ui, log: log.child({ component: 'ws' }) });
    log.info({ ws_port: ws.port }, 'WebSocket endpoint listening on 127.0.0.1');
    return ws;
  } catch (error) {
    log.error({ ws_port: config.wsPort, err: (error as Error).message }, `the WebSocket endpoint is off: cannot listen on 127.0.0.1:${config.wsPort} (set WEFT_APPD_WS_PORT to a free port, 0 for any, or off)`);
    return null;
  }
}

export interface DaemonOptions {
  config: AppdConfig;
  env: Env;
  log: Logger;
  notifier?: Notifier;
  /** An inherited listening fd (socket activation) instead of binding config.socketPath. */
  listenFd?: number | null;
}

export class Daemon {
  private shuttingDown: Promise<void> | null = null;
  private readonly startedAt = Date.now();
  private lastStatus = '';

  private constructor(
    private readonly options: DaemonOptions,
    private readonly backend: LaunchBackend,
    private readonly confiner: Confiner,
    private readonly sampler: UsageSampler,
    private readonly supervisor: Supervisor,
    private readonly server: AppdServer,
    private readonly notifier: Notifier,
  ) {}

  /** The WebSocket endpoint, when WEFT_APPD_WS_PORT is not `off` and its port could be bound. */
  private ws: WsEndpoint | null = null;

  /** Inode of the socket file we bound, so shutdown never unlinks a successor's socket. */
  private socketIno: number | null = null;
  /** Delivers [[schedules]] ticks (src/appd/schedule/). */
  private scheduler: Scheduler | null = null;

  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, env, log } = options;
    const notifier = options.notifier ?? noopNotifier;
    const choice = chooseBackend(env, probeSystemd(env));
    if (!choice.ok) throw new ConfigError(choice.message);
    const source: ListenSource =
      options.listenFd != null ? { kind: 'fd', fd: options.listenFd } : { kind: 'path', path: config.socketPath, ownDir: config.defaultSocket };
    const command = runtimeCommand(env);
    const sandbox = chooseSandbox(env);
    if (!sandbox.ok) throw new ConfigError(sandbox.message);
    // The runtime command's own files (a WEFT_RUNTIME_BIN script outside weft's tree) are bound read-only too.
    const confiner = new Confiner(sandbox.status, sandbox.status.kind === 'bwrap' ? readHostLayout(env, [command.file, ...command.args]) : null);
    if (sandbox.status.kind === 'off') {
      log.warn({ sandbox: describeSandbox(sandbox.status) }, sandbox.status.accepted ? 'the kernel sandbox is off by choice: apps are confined by the JavaScript guard alone' : 'the kernel sandbox is unavailable: apps with fs: or net: grants will not launch');
    }
    const pool =
      choice.name === 'direct' && config.standbyPoolSize > 0
        ? new StandbyPool(command, config.standbyPoolSize, confiner, config.stateDir, log.child({ component: 'standby' }))
        : null;
    const warm = choice.name === 'direct' && config.warm.maxApps > 0 ? new WarmPool(command, config.warm, confiner, config.stateDir, env, log.child({ component: 'warm' })) : null;
    const backend: LaunchBackend = choice.name === 'direct' ? new DirectBackend(command, pool, confiner, warm) : new SystemdScopeBackend(command, confiner);
    const sampler = new UsageSampler(config.sampleIntervalMs, { fastIntervalMs: config.sampleFastIntervalMs });

    let server: AppdServer | null = null;
    let daemon: Daemon | null = null;
    let ws: WsEndpoint | null = null;
    const emit = (event: Response) => {
      server?.broadcast(event);
      ws?.broadcast(event);
      if (event.type === 'APP_STATE') daemon?.reportStatus();
    };
    const supervisor = new Supervisor({
      backend,
      confiner,
      sampler,
      settings: { graceMs: config.graceMs, cpuWindowMs: config.cpuWindowMs, logLinesPerSecond: config.logLinesPerSecond, appShellBin: config.appShellBin },
      relayDir: config.stateDir,
      ipcBufferBytes: config.ipcBufferBytes,
      historyLimit: config.historyLimit,
      historyMaxAgeMs: config.historyMaxAgeMs,
      maxSessions: config.maxSessions,
      emit,
      log,
      env,
      ceilings: config.ceilings,
    });
    const status = () => {
      if (!daemon) throw new Error('weft-appd is still starting');
      return daemon.status();
    };
    const dispatch = createDispatcher({ supervisor, env, status, broadcast: emit, log });
    const listener = createServer();
    server = new AppdServer(
      listener,
      (request, connection) => dispatch(request, connection),
      { maxUnreadBytes: config.maxClientUnreadBytes, maxClients: config.maxClients, frameDeadlineMs: config.frameDeadlineMs, maxPendingBytes: config.maxPendingBytes, otherClients: () => ws?.clientCount ?? 0 },
      log,
    );
    daemon = new Daemon(options, backend, confiner, sampler, supervisor, server, notifier);
    // Bind only now that connections are handled; and before starting the pool, so a second appd fails fast and spawns nothing.
    await openListener(listener, source);
    if (source.kind === 'path') daemon.socketIno = (await lstat(source.path)).ino;
    // Only now that this appd owns the socket: a watchdog-killed or SIGKILLed predecessor leaves its
    // IPC sockets behind. Live ones (another appd sharing the directory) are left alone.
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    const stale = await removeStaleIpcSockets(config.stateDir);
    if (stale.length > 0) log.info({ dir: config.stateDir, removed: stale }, `removed ${stale.length} stale IPC socket${stale.length === 1 ? '' : 's'}`);
    // A killed predecessor can also leave sandboxes stuck before they ever ran the runtime (orphans.ts).
    if (sandbox.status.kind === 'bwrap') {
      const reaped = reapOrphanedSandboxes(command.args[0] ?? command.file);
      if (reaped.length > 0) log.info({ pids: reaped }, `killed ${reaped.length} sandbox${reaped.length === 1 ? '' : 'es'} a killed weft-appd left stuck before they started`);
    }
    // --- WebSocket endpoint (src/appd/ws/): optional; the Unix socket stays the daemon's primary door.
    const unix = server;
    const ui: UiLookup = async (id) => {
      const session = supervisor.get(id);
      if (!session || session.state === 'stopped' || !session.manifest.uiEntry) return null;
      return { packageDir: (await resolveInstalled(session.appId, env)).packageDir, entry: session.manifest.uiEntry };
    };
    ws = config.wsPort === null ? null : await openWs(config, dispatch, () => unix.clientCount, ui, log);
    daemon.ws = ws;
    // --- end WebSocket endpoint
    pool?.start();
    log.info(
      { socket: source.kind === 'path' ? source.path : `fd ${source.fd}`, backend: backend.name, why: choice.why, sandbox: describeSandbox(confiner.status), standby: pool ? config.standbyPoolSize : 0, warm_apps: warm ? config.warm.maxApps : 0, runtime: [command.file, ...command.args].join(' ') },
      'weft-appd listening',
    );
    daemon.notify((n) => n.ready());
    daemon.reportStatus();
    // In the background: the socket already serves, and a signal may stop appd mid-restore.
    if (config.restore) void daemon.restore();
    // --- schedules: arm every installed app's [[schedules]] ---
    daemon.scheduler = new Scheduler(env, log.child({ component: 'schedule' }), {
      sessionOf: (appId) => supervisor.running().find((s) => s.app_id === appId)?.session_id ?? null,
      launch: async (appId) => {
        const result = await supervisor.launch(appId);
        return result.ok ? { ok: true, sessionId: result.session.id } : { ok: false, message: result.message };
      },
      forward: (sessionId, payload) => supervisor.forward(sessionId, payload),
    });
    void daemon.scheduler.start();
    // --- end schedules ---
    return daemon;
  }

  status(): DaemonStatus {
    const warm = this.backend.warmStatus();
    return {
      pid: process.pid,
      version: weftVersion(),
      uptime_ms: Date.now() - this.startedAt,
      socket: this.options.listenFd != null ? `fd ${this.options.listenFd}` : this.options.config.socketPath,
      backend: this.backend.name,
      sandbox: describeSandbox(this.confiner.status),
      sessions: this.supervisor.counts(),
      clients: this.server.clientCount + (this.ws?.clientCount ?? 0),
      rss_bytes: process.memoryUsage.rss(),
      ...(warm ? { warm } : {}),
    };
  }

  /** Stops accepting, terminates every session (grace period applies), saves the app list, removes the socket. Idempotent. */
  shutdown(why: string): Promise<void> {
    this.shuttingDown ??= this.doShutdown(why);
    return this.shuttingDown;
  }

  private async doShutdown(why: string): Promise<void> {
    const { log, config } = this.options;
    log.info({ why }, 'weft-appd shutting down');
    this.scheduler?.stop();
    this.notify((n) => n.stopping());
    const closed = this.server.stopAccepting();
    const wsClosed = this.ws?.close();
    const { restore, done } = this.supervisor.shutdown();
    // Saved before waiting for the sessions, so a SIGKILL during the grace period loses nothing.
    const path = lastSessionPath(config.stateDir);
    try {
      await saveLastSession(path, restore);
      log.info({ path, apps: restore }, 'saved the running app list');
    } catch (error) {
      log.error({ path, err: (error as Error).message }, 'cannot save the running app list');
    }
    await done;
    await this.backend.shutdown();
    this.sampler.stop();
    this.server.closeClients();
    // Every connection was just closed, so this is quick; the bound only guards against a bug leaving one open.
    const closedInTime = await Promise.race([closed.then(() => true), delay(2000).then(() => false)]);
    if (!closedInTime) log.warn('the listening socket did not close within 2 s; exiting anyway');
    await this.removeSocket();
    await wsClosed;
    log.info('weft-appd stopped');
  }

  private async removeSocket(): Promise<void> {
    if (this.socketIno === null) return;
    const path = this.options.config.socketPath;
    try {
      if ((await lstat(path)).ino === this.socketIno) await unlink(path);
    } catch {
      // Already gone (closing the listener removes it).
    }
  }

  private async restore(): Promise<void> {
    const { log, config } = this.options;
    const { appIds, problem } = await takeLastSession(lastSessionPath(config.stateDir));
    if (problem) log.warn(problem);
    if (appIds.length === 0) return;
    log.info({ apps: appIds }, 'restoring the previous session');
    for (const appId of appIds) {
      const result = await this.supervisor.launch(appId);
      if (result.ok) log.info({ app_id: appId, session_id: result.session.id }, 'restored');
      else log.warn({ app_id: appId, code: result.code }, `cannot restore ${appId}: ${result.message}`);
    }
  }

  private reportStatus(): void {
    const counts = this.supervisor.counts();
    const text = `${counts.running} running, ${counts.starting} starting, ${counts.stopping} stopping`;
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    this.notify((n) => n.status(text));
  }

  private notify(call: (notifier: Notifier) => void | Promise<void>): void {
    notifySafely(
      () => call(this.notifier),
      (error) => this.options.log.warn({ err: error.message }, 'notifier failed'),
    );
  }
}
