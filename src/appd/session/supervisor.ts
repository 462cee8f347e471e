// The session table: launches apps (after checking they are installed), terminates them, and keeps stopped ones in a bounded history.
import { mkdir } from 'node:fs/promises';
import type { Env } from '../../config/paths.js';
import type { Logger } from '../../log/logger.js';
import { effectiveLimits, limitsOverCeilings, type Ceilings } from '../../config/ceilings.js';
import { loadManifest } from '../../manifest/load.js';
import type { Manifest } from '../../manifest/types.js';
import { ErrorCode, type AppStateKind, type Response, type SessionRef } from '../../protocol/messages.js';
import { appCacheDir } from '../../config/paths.js';
import { NotInstalledError, resolveInstalled, type InstalledPackage } from '../../store/resolve.js';
import type { Confiner } from '../sandbox/confiner.js';
import { capabilityState } from '../../config/capability-state.js';
import { profileFor } from '../sandbox/profile-for.js';
import type { LaunchBackend } from '../backends/types.js';
import type { UsageSampler } from '../limits/sampler.js';
import type { StopCause } from './exit.js';
import { BoundedHistory } from './history.js';
import { IpcRelay, type ForwardResult } from './ipc-relay.js';
import { preopensFor, preparePreopens, type PreopenPlan } from './preopens.js';
import { Session, type SessionSettings } from './session.js';

export interface SupervisorOptions {
  backend: LaunchBackend;
  /** The kernel sandbox every launch goes through (or its absence, and the policy for it). */
  confiner: Confiner;
  sampler: UsageSampler;
  settings: SessionSettings;
  /** Directory for the per-session IPC sockets ($XDG_RUNTIME_DIR/weft). */
  relayDir: string;
  ipcBufferBytes: number;
  historyLimit: number;
  historyMaxAgeMs: number;
  /** Live sessions at most, counting launches still being prepared. */
  maxSessions: number;
  emit: (message: Response) => void;
  log: Logger;
  env: Env;
  /** The user's ceilings: each session runs with min(manifest [limits], ceiling). */
  ceilings: Ceilings;
}

export type Failure = { ok: false; code: number; message: string };
export type LaunchResult = { ok: true; session: Session } | Failure;

export class Supervisor {
  private nextId = 1;
  private readonly live = new Map<number, Session>();
  private readonly history: BoundedHistory<Session>;
  private closing = false;
  /** Launches past the cap check that have not yet joined `live`. */
  private preparing = 0;

  constructor(private readonly options: SupervisorOptions) {
    this.history = new BoundedHistory(options.historyLimit, options.historyMaxAgeMs);
  }

  async launch(appId: string): Promise<LaunchResult> {
    if (this.closing) return shuttingDown();
    const { maxSessions } = this.options;
    if (this.live.size + this.preparing >= maxSessions) {
      return fail(
        ErrorCode.limitReached,
        `cannot launch ${appId}: ${this.live.size + this.preparing} sessions are live and weft-appd runs at most ${maxSessions} (WEFT_MAX_SESSIONS); stop one with \`weftctl stop <session>\` or raise WEFT_MAX_SESSIONS`,
      );
    }
    this.preparing += 1;
    try {
      return await this.prepareAndStart(appId);
    } finally {
      this.preparing -= 1;
    }
  }

  private async prepareAndStart(appId: string): Promise<LaunchResult> {
    // The session's id and its IPC relay socket do not depend on the package: the socket is made
    // while the package is read (~0.7 ms of a launch). A launch that fails closes it, and gives
    // its id back unless another launch took one since.
    const id = this.nextId++;
    const relayOpening = IpcRelay.open(this.options.relayDir, {
      sessionId: id,
      maxBufferedBytes: this.options.ipcBufferBytes,
      onMessage: (payload) => this.options.emit({ type: 'IPC_MESSAGE', session_id: id, payload }),
    });
    relayOpening.catch(() => {}); // awaited below, or closed by abandon
    const abandon = async (result: LaunchResult): Promise<LaunchResult> => {
      await relayOpening.then((opened) => opened.close(), () => {});
      if (this.nextId === id + 1) this.nextId = id;
      return result;
    };
    // Anything that goes wrong before the session owns the relay abandons it (a throw included:
    // an uninstall racing this launch can make reading the store entry fail).
    let session: Session;
    try {
      let manifest: Manifest;
      let installed: InstalledPackage;
      try {
        installed = await resolveInstalled(appId, this.options.env);
        manifest = await loadManifest(installed.packageDir);
        if (manifest.id !== appId) {
          return abandon(fail(ErrorCode.launchFailed, `cannot launch ${appId}: the package at ${installed.packageDir} declares id "${manifest.id}"; reinstall it`));
        }
      } catch (error) {
        if (error instanceof NotInstalledError) return abandon(fail(ErrorCode.appNotInstalled, error.message));
        return abandon(fail(ErrorCode.launchFailed, `cannot launch ${appId}: ${(error as Error).message}`));
      }
      const refusal = this.options.confiner.refusal(appId, manifest.grants);
      if (refusal !== null) return abandon(fail(ErrorCode.launchFailed, refusal));
      const log = this.options.log.child({ app_id: appId, session_id: id });
      const lowered = limitsOverCeilings(manifest.limits, this.options.ceilings);
      if (lowered.length > 0) {
        log.info(
          { lowered },
          `${appId} asks for more than the user's ceilings; it runs with ${lowered.map((l) => `${l.manifestKey} = ${l.ceiling} (asked ${l.asked}; ${l.env})`).join(', ')}`,
        );
      }
      manifest = { ...manifest, limits: effectiveLimits(manifest.limits, this.options.ceilings) };
      const cacheDir = appCacheDir(appId, this.options.env);
      const preopens: PreopenPlan[] = await preparePreopens(preopensFor(manifest, this.options.env), this.options.env);
      await mkdir(cacheDir, { recursive: true, mode: 0o700 });
      // The capability state the sandbox binds read-write must exist before bwrap binds it.
      for (const bind of capabilityState(manifest, this.options.env)) if (bind.writable) await mkdir(bind.path, { recursive: true, mode: 0o700 });
      const relay = await relayOpening;
      if (this.closing) return await abandon(shuttingDown());
      const profile = profileFor({ installed, manifest, preopens, ipcSocket: relay.path, cacheDir, env: this.options.env });
      const launch = { installed, preopens, ipcSocket: relay.path, profile };
      session = new Session(id, manifest, launch, relay, {
        backend: this.options.backend,
        sampler: this.options.sampler,
        settings: this.options.settings,
        emit: this.options.emit,
        onFinished: (done) => {
          this.live.delete(done.id);
          this.history.add(done.id, done, Date.now());
        },
        log,
      });
    } catch (error) {
      return abandon(fail(ErrorCode.launchFailed, `cannot launch ${appId}: ${(error as Error).message}`));
    }
    this.live.set(id, session);
    session.start();
    return { ok: true, session };
  }

  /** Stops a session for good and resolves once it has stopped; null when the id is unknown. */
  async terminate(sessionId: number): Promise<Session | null> {
    const session = this.get(sessionId);
    if (!session) return null;
    await session.terminate({ reason: 'terminated', message: 'stopped by TERMINATE_APP' });
    return session;
  }

  forward(sessionId: number, payload: string): ForwardResult {
    const session = this.get(sessionId);
    if (!session) return fail(ErrorCode.noSuchSession, `session ${sessionId} not found`);
    if (session.state === 'stopped' || session.state === 'stopping') {
      return fail(ErrorCode.sessionNotRunning, `session ${sessionId} (${session.appId}) is ${session.state}; launch the app again to talk to it`);
    }
    return session.forward(payload);
  }

  get(sessionId: number): Session | undefined {
    return this.live.get(sessionId) ?? this.history.get(sessionId, Date.now());
  }

  /** Live sessions (starting, running, stopping), oldest first. */
  running(): SessionRef[] {
    return [...this.live.values()].sort((a, b) => a.id - b.id).map((s) => ({ session_id: s.id, app_id: s.appId }));
  }

  counts(): Record<AppStateKind, number> {
    const counts: Record<AppStateKind, number> = { starting: 0, running: 0, stopping: 0, stopped: this.history.size, not_found: 0 };
    for (const session of this.live.values()) counts[session.state] += 1;
    return counts;
  }

  /**
   * Refuses new launches and stops every live session with the grace period. `restore` lists
   * the app ids that were starting or running, in launch order (for last-session.json), and is
   * known at once; `done` resolves when every session has stopped.
   */
  shutdown(): { restore: string[]; done: Promise<void> } {
    this.closing = true;
    const sessions = [...this.live.values()].sort((a, b) => a.id - b.id);
    // A session already stopping was stopped on purpose; it does not come back at the next start.
    const restore = sessions.filter((s) => s.state !== 'stopping').map((s) => s.appId);
    const cause: StopCause = { reason: 'appd-shutdown', message: 'weft-appd is shutting down' };
    const done = Promise.all(sessions.map((s) => s.terminate(cause))).then(() => undefined);
    return { restore, done };
  }
}

function fail(code: number, message: string): Failure {
  return { ok: false, code, message };
}

function shuttingDown(): Failure {
  return fail(ErrorCode.shuttingDown, 'weft-appd is shutting down and takes no new launches');
}
