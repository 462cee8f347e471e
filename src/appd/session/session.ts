// One app session: runs its runtime through starting → running → stopping → stopped, enforces limits and restarts it by policy.
import { secretRedactor } from '../../config/secret-redactor.js';
import type { Logger } from '../../log/logger.js';
import type { Manifest } from '../../manifest/types.js';
import type { AppStateKind, ExitInfo, Response, SessionDetails } from '../../protocol/messages.js';
import { parseControl } from '../../protocol/runtime-control.js';
import type { LaunchBackend, LaunchSpec, RuntimeProcess } from '../backends/types.js';
import { LimitJudge, type UsageSample } from '../limits/judge.js';
import type { UsageSampler } from '../limits/sampler.js';
import { OutputForwarder } from '../logs/output-forwarder.js';
import { decideRestart } from '../restart/policy.js';
import { AppShell } from './app-shell.js';
import { classifyExit, inferMemoryKill, type RuntimeOutcome, type StopCause } from './exit.js';
import type { ForwardResult, IpcRelay } from './ipc-relay.js';

export interface SessionSettings {
  /** SIGTERM → SIGKILL grace period. */
  graceMs: number;
  cpuWindowMs: number;
  logLinesPerSecond: number;
  appShellBin: string | null;
}

export interface SessionContext {
  backend: LaunchBackend;
  sampler: UsageSampler;
  settings: SessionSettings;
  /** Broadcasts an event to subscribers. */
  emit: (message: Response) => void;
  /** Called once, when the session has stopped for good. */
  onFinished: (session: Session) => void;
  log: Logger;
}

/** What a launch decided once, in appd: the install, the data directories, the IPC socket, the sandbox profile. */
export type SessionLaunch = Pick<LaunchSpec, 'installed' | 'preopens' | 'ipcSocket' | 'profile'>;

const MIB = 1024 * 1024;
/** If a child's stdio never closes after it exited (a grandchild holds it), stop waiting after this. */
const CLOSE_AFTER_EXIT_MS = 1000;

export class Session {
  state: AppStateKind = 'starting';
  readonly startedAt = new Date();
  readyMs: number | null = null;
  restarts = 0;
  exit: ExitInfo | null = null;
  pid: number | null = null;
  warm = false;

  private proc: RuntimeProcess | null = null;
  private attemptStartedAt = 0;
  private restartTimes: number[] = [];
  private cause: StopCause | null = null;
  /** A user or shutdown asked for the stop: never restart after it. */
  private stopRequested = false;
  /** The runtime's report of how this run ended (control channel). */
  private outcome: RuntimeOutcome | null = null;
  /**
   * The last stderr line written before the runtime started (bwrap or systemd-run failing): only
   * the launcher writes there then, never the app, so it may explain a failed start.
   */
  private launcherError: string | null = null;
  private runtimeStarted = false;
  private judge: LimitJudge;
  private shell: AppShell | null = null;
  private shellStopping: Promise<void> = Promise.resolve();
  private readyTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  /** appd has sent SIGKILL to the current process. */
  private sigkillSent = false;
  /** Read by QUERY_LOG / FOLLOW_LOG (its `tail`). */
  readonly output: OutputForwarder;
  private readonly finished: Promise<void>;
  private markFinished: () => void = () => {};

  constructor(
    readonly id: number,
    readonly manifest: Manifest,
    private readonly launch: SessionLaunch,
    private readonly relay: IpcRelay,
    private readonly ctx: SessionContext,
  ) {
    this.output = new OutputForwarder(ctx.log, ctx.settings.logLinesPerSecond);
    this.output.redactWith(secretRedactor(manifest.id, manifest.variables ?? []));
    this.judge = new LimitJudge(manifest.limits, ctx.settings.cpuWindowMs);
    this.finished = new Promise((resolve) => (this.markFinished = resolve));
  }

  get appId(): string {
    return this.manifest.id;
  }

  get backendName(): string {
    return this.proc?.backend ?? this.ctx.backend.name;
  }

  /** Starts the first run. */
  start(): void {
    this.attempt();
  }

  /** Stops the session for good (no restart): SIGTERM, the grace period, then SIGKILL. Resolves once stopped. */
  async terminate(cause: StopCause): Promise<void> {
    if (this.state !== 'stopped') {
      this.stopRequested = true;
      if (this.restartTimer) {
        // Waiting out a restart backoff: there is no process to stop.
        clearTimeout(this.restartTimer);
        this.restartTimer = null;
        const last = this.exit ?? { exit_code: null, signal: null, reason: cause.reason };
        void this.finish({ ...last, reason: cause.reason, message: cause.message });
      } else {
        this.stopProcess(cause, false);
      }
    }
    await this.finished;
  }

  /** Sends an IPC message to the app. */
  forward(payload: string): ForwardResult {
    return this.relay.forward(payload);
  }

  details(): SessionDetails {
    return {
      session_id: this.id,
      app_id: this.appId,
      state: this.state,
      pid: this.pid,
      backend: this.backendName,
      started_at: this.startedAt.toISOString(),
      ready_ms: this.readyMs,
      restarts: this.restarts,
      cpu_percent: this.state === 'stopped' ? null : this.judge.currentCpuPercent(),
      rss_bytes: this.state === 'stopped' ? null : this.judge.latestRssBytes(),
      exit: this.exit,
    };
  }

  private attempt(): void {
    this.restartTimer = null;
    this.sigkillSent = false;
    this.cause = null;
    this.outcome = null;
    this.launcherError = null;
    this.runtimeStarted = false;
    this.readyMs = null;
    this.attemptStartedAt = Date.now();
    this.judge = new LimitJudge(this.manifest.limits, this.ctx.settings.cpuWindowMs);
    this.setState('starting');
    let proc: RuntimeProcess;
    try {
      proc = this.ctx.backend.launch({ appId: this.appId, sessionId: this.id, ...this.launch, limits: this.manifest.limits, attempt: this.restarts });
    } catch (error) {
      // spawn() throws only for arguments it rejects outright; treat it like a failed spawn.
      this.ctx.log.error({ err: (error as Error).message }, 'cannot start the runtime');
      this.exit = { exit_code: null, signal: null, reason: 'load-failed', message: `cannot start the runtime: ${(error as Error).message}` };
      void this.finish(this.exit);
      return;
    }
    this.proc = proc;
    this.warm = proc.warm;
    this.pid = proc.child.pid ?? null;
    // App output is data: logged with the rate limit, never parsed. State comes from fd 3 alone.
    proc.stdout.on('line', (line: string) => this.output.line('stdout', line));
    proc.stderr.on('line', (line: string) => this.onStderr(line));
    proc.control.on('line', (line: string) => this.onControl(proc, line));
    proc.child.once('error', (error) => {
      // Only a failed spawn ends the run here; other errors (a failed kill) change nothing.
      if (proc.child.pid === undefined) this.onEnded(proc, null, null, `cannot start the runtime: ${error.message} (check WEFT_RUNTIME_BIN)`);
    });
    proc.child.once('exit', (code, signal) => {
      const timer = setTimeout(() => this.onEnded(proc, code, signal, null), CLOSE_AFTER_EXIT_MS);
      proc.child.once('close', () => {
        clearTimeout(timer);
        this.onEnded(proc, code, signal, null);
      });
    });
    // Usage is sampled on the runtime itself; inside bubblewrap its pid arrives on bwrap's info fd.
    void proc.appPid.then((pid) => {
      if (pid === null || proc !== this.proc) return;
      this.runtimeStarted = true;
      this.pid = pid;
      this.ctx.sampler.watch(pid, (sample) => this.onSample(proc, sample), this.manifest.limits.memoryMaxMb * MIB);
    });
    const timeoutMs = this.manifest.limits.readyTimeoutMs;
    this.readyTimer = setTimeout(
      () => this.stopProcess({ reason: 'ready-timeout', message: `the app did not report READY within ${timeoutMs} ms ([limits] ready_timeout_ms)` }, false),
      timeoutMs,
    );
    this.ctx.log.info({ pid: this.pid, backend: proc.backend, warm: proc.warm, warm_app: proc.warmApp === true, restarts: this.restarts, unit: proc.scope?.unit }, 'runtime started');
  }

  private onStderr(line: string): void {
    if (!this.runtimeStarted) this.launcherError = line;
    this.output.line('stderr', line);
  }

  private onControl(proc: RuntimeProcess, line: string): void {
    if (proc !== this.proc) return;
    const message = parseControl(line);
    if (message === null) {
      this.ctx.log.warn({ bytes: Buffer.byteLength(line) }, 'dropped a malformed line on the runtime control channel');
      return;
    }
    switch (message.type) {
      case 'ready':
        if (this.state === 'starting') this.onReady();
        return;
      case 'note':
        this.ctx.log.warn({ stream: 'runtime' }, message.message);
        return;
      case 'outcome':
        this.outcome ??= message;
        if (message.reason !== 'exit') this.ctx.log.warn({ stream: 'runtime', reason: message.reason, backtrace: message.backtrace.length > 0 ? message.backtrace : undefined }, message.message ?? message.reason);
        return;
      case 'standby':
        return;
    }
  }

  private onReady(): void {
    this.clearTimer('readyTimer');
    this.readyMs = Date.now() - this.attemptStartedAt;
    this.ctx.log.info({ ready_ms: this.readyMs, warm: this.warm }, 'app ready');
    this.ctx.emit({ type: 'APP_READY', session_id: this.id, app_id: this.appId });
    this.setState('running');
    const bin = this.ctx.settings.appShellBin;
    if (bin) {
      const shell = AppShell.start(bin, this.appId, this.id, this.output, this.ctx.log, (message) => this.onShellExited(shell, message));
      this.shell = shell;
    }
  }

  /** The app shell ended on its own (not stopped by appd): as in WEFT, that ends the session. */
  private onShellExited(shell: AppShell, message: string): void {
    if (shell !== this.shell || this.state === 'stopping' || this.state === 'stopped') return;
    this.shell = null;
    this.ctx.log.info({ reason: 'shell-exited' }, `${message}; ending the session`);
    void this.terminate({ reason: 'shell-exited', message });
  }

  private onSample(proc: RuntimeProcess, sample: UsageSample): void {
    if (proc !== this.proc) return;
    const verdict = this.judge.push(sample);
    if (!verdict) return;
    // Under a cgroup backend the kernel throttles CPU to the quota, so CPU is not a kill there. Memory
    // is always judged here: the scope's MemoryMax sits above the limit, as a backstop to this check.
    if (verdict.reason === 'cpu-limit' && this.ctx.backend.enforcesLimits) return;
    // Already SIGKILLed; a process in its grace period that runs away is killed now.
    if (this.sigkillSent) return;
    this.ctx.log.warn({ reason: verdict.reason, rss_bytes: sample.rssBytes }, verdict.message);
    this.stopProcess(verdict, true);
  }

  /** Stops the current process; `immediate` skips the grace period (a runaway app gets no more time). */
  private stopProcess(cause: StopCause, immediate: boolean): void {
    const proc = this.proc;
    if (!proc) return;
    this.cause ??= cause;
    this.clearTimer('readyTimer');
    if (this.state !== 'stopping') this.setState('stopping');
    void this.stopShell();
    if (immediate) {
      this.sigkillSent = true;
      proc.kill('SIGKILL');
      return;
    }
    if (this.killTimer) return;
    proc.kill('SIGTERM');
    this.killTimer = setTimeout(() => {
      this.ctx.log.warn({ grace_ms: this.ctx.settings.graceMs }, 'runtime ignored SIGTERM for the grace period; sending SIGKILL');
      this.sigkillSent = true;
      proc.kill('SIGKILL');
    }, this.ctx.settings.graceMs);
  }

  private onEnded(proc: RuntimeProcess, code: number | null, signal: NodeJS.Signals | null, spawnError: string | null): void {
    if (proc !== this.proc) return;
    this.proc = null;
    this.clearTimer('readyTimer');
    this.clearTimer('killTimer');
    if (this.pid !== null) this.ctx.sampler.unwatch(this.pid);
    this.output.flushSuppressed();
    const launcherFailed = !this.runtimeStarted && this.outcome === null && code !== 0 && this.launcherError !== null;
    const cause =
      this.cause ??
      inferMemoryKill(signal, {
        kernelMemoryLimit: this.ctx.backend.enforcesLimits,
        scopeMemoryMaxMb: proc.scope?.memoryMaxMb ?? null,
        memoryMaxMb: this.manifest.limits.memoryMaxMb,
        lastRssBytes: this.judge.latestRssBytes(),
      });
    const exit = classifyExit({
      code,
      signal,
      cause,
      outcome: this.outcome,
      confined: proc.confined,
      spawnError: spawnError ?? (launcherFailed ? `the runtime could not start: ${this.launcherError}` : null),
    });
    this.exit = exit;
    this.ctx.log.info({ exit_code: exit.exit_code, signal: exit.signal, reason: exit.reason, exit_message: exit.message }, 'runtime exited');
    if (this.stopRequested) {
      void this.finish(exit);
      return;
    }
    const now = Date.now();
    const decision = decideRestart(this.manifest.restart, exit, this.restartTimes, now);
    if (decision.kind === 'restart') {
      this.restarts += 1;
      this.restartTimes = [...this.restartTimes.filter((t) => now - t < this.manifest.restart.windowMs), now];
      this.ctx.log.info({ delay_ms: decision.delayMs, restarts: this.restarts }, `restarting (policy ${this.manifest.restart.policy})`);
      void this.stopShell();
      this.ctx.emit({ type: 'APP_STATE', session_id: this.id, app_id: this.appId, state: 'stopped', ...exit, restarts: this.restarts, restart_in_ms: decision.delayMs });
      // Between runs the session counts as starting: it is live, listed and can be terminated.
      this.state = 'starting';
      this.restartTimer = setTimeout(() => this.attempt(), decision.delayMs);
      return;
    }
    if (decision.kind === 'give-up') {
      this.ctx.log.warn({ restarts: this.restarts }, decision.message);
      void this.finish({ ...exit, reason: 'restart-limit', message: decision.message });
      return;
    }
    void this.finish(exit);
  }

  private async finish(exit: ExitInfo): Promise<void> {
    this.exit = exit;
    this.state = 'stopped';
    // A stopped session reports no usage, and it may sit in the history for an hour: drop its samples
    // (up to a CPU window's worth, 150 of them at the fast interval).
    this.judge = new LimitJudge(this.manifest.limits, this.ctx.settings.cpuWindowMs);
    await this.stopShell();
    await this.relay.close();
    this.ctx.emit({ type: 'APP_STATE', session_id: this.id, app_id: this.appId, state: 'stopped', ...exit, restarts: this.restarts });
    this.ctx.log.info({ reason: exit.reason, exit_code: exit.exit_code, signal: exit.signal }, 'session stopped');
    this.markFinished();
    this.ctx.onFinished(this);
  }

  /** Stops the app shell; a second call waits for the stop already under way. */
  private stopShell(): Promise<void> {
    if (this.shell) {
      this.shellStopping = this.shell.stop(this.ctx.settings.graceMs);
      this.shell = null;
    }
    return this.shellStopping;
  }

  private setState(state: AppStateKind): void {
    this.state = state;
    this.ctx.emit({ type: 'APP_STATE', session_id: this.id, app_id: this.appId, state, restarts: this.restarts });
  }

  private clearTimer(name: 'readyTimer' | 'killTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = null;
  }
}
