// Per-app warm runtimes: one `weft-runtime --warm <app>` for each recently launched app, in that app's own confinement, handed the app's next session.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { CONTROL_FD, parseControl } from '../../protocol/runtime-control.js';
import { standbySessionLine, warmArgv } from '../../protocol/runtime-argv.js';
import type { WarmRuntimes } from '../../protocol/messages.js';
import { resolveInstalled, type InstalledPackage } from '../../store/resolve.js';
import type { Env } from '../../config/paths.js';
import { readProcUsage } from '../limits/proc-usage.js';
import type { Confiner } from '../sandbox/confiner.js';
import type { ConfinementProfile } from '../sandbox/profile.js';
import type { Command } from './runtime-command.js';
import { onceSettled } from './once-settled.js';
import { spawnRuntime, stopUnused } from './spawn.js';
import { launchArgv, type LaunchSpec, type RuntimeProcess } from './types.js';

/** A warm runtime that has not announced itself by then is broken. */
const WARM_TIMEOUT_MS = 20_000;
/** How often idle time, the memory ceiling and each warm app's install are checked. */
export const WARM_SWEEP_MS = 1000;
/** A package without an install record is hashed file by file; past these bounds it is not kept warm (appd would block hashing it). */
const HASH_MAX_FILES = 2000;
const HASH_MAX_BYTES = 8 * 1024 * 1024;

export interface WarmSettings {
  /** Apps kept warm at most (WEFT_WARM_APPS); 0 turns warm runtimes off. */
  maxApps: number;
  /** A warm runtime whose app was not launched for this long is stopped (WEFT_WARM_IDLE_S). */
  idleMs: number;
  /** The RSS all warm runtimes may hold together (WEFT_WARM_MEMORY_MB); past it the least recently used go. */
  memoryBytes: number;
}

interface Warm {
  appId: string;
  /** The install it loaded (installIdentity) and the confinement it runs in (profileKey): a launch must match both. */
  identity: string;
  profileKey: string;
  proc: RuntimeProcess;
  /** Its own directory, bound read-only: the session's IPC socket is hard-linked in at hand-off. */
  dir: string | null;
  ready: boolean;
  /** When it was last handed a launch, or started: orders eviction by count and memory. */
  lastUsed: number;
  /** When it announced itself ready (0 before): idle time counts from here at the earliest, so a slow warm-up is not idle. */
  readyAt: number;
  rssBytes: number;
  timer: NodeJS.Timeout;
  detach: () => void;
}

/**
 * What identifies an install: weft's install dir (a new one for every install) and the package
 * hash its record holds; for a package without a record (put there by hand or by WEFT), the hash
 * of its files, or null when it is too big to hash on the launch path (never kept warm).
 */
export function installIdentity(installed: Pick<InstalledPackage, 'installDir' | 'record' | 'packageDir'>): string | null {
  if (installed.installDir !== null && installed.record !== null) return `install ${installed.installDir} ${installed.record.content_sha256}`;
  const hash = createHash('sha256');
  const pending = [installed.packageDir];
  let files = 0;
  let bytes = 0;
  try {
    while (pending.length > 0) {
      const dir = pending.pop() as string;
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) {
          if (++files > HASH_MAX_FILES) return null;
          bytes += lstatSync(path).size;
          if (bytes > HASH_MAX_BYTES) return null;
          hash.update(`${relative(installed.packageDir, path)}\0`).update(readFileSync(path));
        } else return null;
      }
    }
  } catch {
    return null;
  }
  return `package ${installed.packageDir} ${hash.digest('hex')}`;
}

/**
 * The confinement a launch needs, as one comparable string: every bind (and whether each optional
 * one exists now, which decides whether bwrap binds it), symlink, socket, variable and the
 * network, but not the session's IPC socket (a warm runtime gets it through its own directory).
 */
export function profileKey(profile: ConfinementProfile): string {
  const dataBinds = profile.dataBinds.map((bind) => ({ ...bind, present: bind.optional ? existsSync(bind.path) : true }));
  return JSON.stringify({ ...profile, ipcSocket: null, dataBinds });
}

/**
 * Warm runtimes are started after a launch of their app (once the launched runtime is READY or
 * has ended), with exactly the profile that launch had, minus its IPC socket plus a directory of
 * their own; they load and compile the app but run none of it (runtime.md, "Warm runtimes"). A
 * launch takes its app's warm runtime only when the install and the profile are unchanged;
 * otherwise the warm runtime is stopped and the launch starts another way.
 */
export class WarmPool {
  private readonly warm = new Map<string, Warm>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private next = 0;

  constructor(
    private readonly command: Command,
    private readonly settings: WarmSettings,
    private readonly confiner: Confiner,
    private readonly dirRoot: string,
    private readonly env: Env,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), WARM_SWEEP_MS);
    this.sweeper.unref();
  }

  /** The app's warm runtime, handed this launch; null when there is none that may serve it. */
  take(spec: LaunchSpec): RuntimeProcess | null {
    const warm = this.warm.get(spec.appId);
    if (!warm || !warm.ready || warm.proc.child.exitCode !== null || warm.proc.child.signalCode !== null) return null;
    const identity = installIdentity(spec.installed);
    if (identity !== warm.identity || profileKey(spec.profile) !== warm.profileKey) {
      this.discard(warm, identity !== warm.identity ? 'its app was reinstalled' : 'its app now needs another confinement');
      return null;
    }
    let ipcSocket = spec.ipcSocket;
    if (ipcSocket !== null && warm.dir !== null) {
      const linked = join(warm.dir, 'ipc.sock');
      try {
        linkSync(ipcSocket, linked);
      } catch (error) {
        this.discard(warm, `cannot link the session's IPC socket into ${warm.dir}: ${(error as Error).message}`);
        return null;
      }
      ipcSocket = linked;
    }
    this.release(warm);
    warm.proc.child.stdin.write(standbySessionLine(launchArgv({ ...spec, ipcSocket })));
    return { ...warm.proc, warm: true, warmApp: true };
  }

  /**
   * Keeps a warm runtime for `spec`'s app ready for its next launch: started once `launched`
   * (this launch's runtime) is READY or has ended, so it does not compete with it.
   */
  keepWarm(spec: LaunchSpec, launched: RuntimeProcess): void {
    if (this.closed || this.settings.maxApps === 0) return;
    const identity = installIdentity(spec.installed);
    if (identity === null) return;
    const current = this.warm.get(spec.appId);
    if (current) current.lastUsed = Date.now();
    onceSettled(launched, () => {
      if (this.closed || this.warm.has(spec.appId)) return;
      this.spawn(spec, identity);
    });
  }

  status(): WarmRuntimes {
    return {
      apps: [...this.warm.values()].sort((a, b) => b.lastUsed - a.lastUsed).map((w) => w.appId),
      max_apps: this.settings.maxApps,
      idle_s: Math.round(this.settings.idleMs / 1000),
      memory_max_mb: Math.round(this.settings.memoryBytes / (1024 * 1024)),
      rss_bytes: [...this.warm.values()].reduce((sum, w) => sum + w.rssBytes, 0),
    };
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const exits = [...this.warm.values()].map((warm) => {
      this.release(warm);
      return stopUnused(warm.proc);
    });
    await Promise.all(exits);
  }

  private spawn(spec: LaunchSpec, identity: string): void {
    const confined = this.confiner.status.kind === 'bwrap';
    const dir = confined ? join(this.dirRoot, `warm-${process.pid}-${this.next++}`) : null;
    const command = [this.command.file, ...this.command.args, ...warmArgv(spec.appId, CONTROL_FD)];
    let proc: RuntimeProcess;
    const key = profileKey(spec.profile);
    try {
      if (dir !== null) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      }
      const profile: ConfinementProfile = dir === null ? spec.profile : { ...spec.profile, ipcSocket: null, packageBinds: [...spec.profile.packageBinds, { source: dir, path: dir }] };
      proc = spawnRuntime(this.confiner.wrap(command, profile), 'direct');
    } catch (error) {
      this.log.warn({ app_id: spec.appId, err: (error as Error).message }, 'could not start a warm runtime; the next launch of this app starts another way');
      return;
    }
    if (dir !== null) proc.child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const onControl = (line: string): void => {
      const message = parseControl(line);
      if (message?.type === 'standby' && !warm.ready) {
        warm.ready = true;
        warm.readyAt = Date.now();
        clearTimeout(warm.timer);
        this.log.debug({ app_id: spec.appId }, 'warm runtime ready');
      } else if (message?.type === 'note' || message?.type === 'outcome') this.log.debug({ app_id: spec.appId, message }, 'warm runtime says');
    };
    const onLine = (line: string): void => this.log.debug({ app_id: spec.appId, stream: 'warm', line }, 'warm runtime output');
    const onExit = (): void => this.drop(warm, `exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) while warm`);
    const warm: Warm = {
      appId: spec.appId,
      identity,
      profileKey: key,
      proc,
      dir,
      ready: false,
      lastUsed: Date.now(),
      readyAt: 0,
      rssBytes: 0,
      timer: setTimeout(() => this.discard(warm, `not ready within ${WARM_TIMEOUT_MS} ms`), WARM_TIMEOUT_MS),
      detach: () => {
        proc.control.off('line', onControl);
        proc.stdout.off('line', onLine);
        proc.stderr.off('line', onLine);
        proc.child.off('exit', onExit);
      },
    };
    proc.control.on('line', onControl);
    proc.stdout.on('line', onLine);
    proc.stderr.on('line', onLine);
    proc.child.once('exit', onExit);
    proc.child.once('error', (error) => this.drop(warm, `could not start: ${error.message}`));
    this.warm.set(spec.appId, warm);
    this.log.debug({ app_id: spec.appId }, 'warm runtime started');
    this.evictOverCount();
  }

  private evictOverCount(): void {
    while (this.warm.size > this.settings.maxApps) {
      const oldest = this.leastRecent();
      if (!oldest) return;
      this.discard(oldest, `more than ${this.settings.maxApps} apps are warm (WEFT_WARM_APPS)`);
    }
  }

  private leastRecent(): Warm | null {
    let oldest: Warm | null = null;
    for (const w of this.warm.values()) if (oldest === null || w.lastUsed < oldest.lastUsed) oldest = w;
    return oldest;
  }

  /** Idle eviction, the memory ceiling, and installs that changed or went away. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const warm of [...this.warm.values()]) {
      // One still warming up is bounded by WARM_TIMEOUT_MS, not by idleness.
      if (warm.ready && now - Math.max(warm.lastUsed, warm.readyAt) > this.settings.idleMs) this.discard(warm, `not launched for ${Math.round(this.settings.idleMs / 1000)} s (WEFT_WARM_IDLE_S)`);
    }
    for (const warm of this.warm.values()) {
      const pid = await warm.proc.appPid;
      warm.rssBytes = (pid !== null ? readProcUsage(pid)?.rssBytes : undefined) ?? 0;
    }
    let total = [...this.warm.values()].reduce((sum, w) => sum + w.rssBytes, 0);
    while (total > this.settings.memoryBytes) {
      const oldest = this.leastRecent();
      if (!oldest) break;
      total -= oldest.rssBytes;
      this.discard(oldest, `warm runtimes hold more than ${Math.round(this.settings.memoryBytes / (1024 * 1024))} MiB together (WEFT_WARM_MEMORY_MB)`);
    }
    for (const warm of [...this.warm.values()]) {
      let identity: string | null;
      try {
        identity = installIdentity(await resolveInstalled(warm.appId, this.env));
      } catch {
        identity = null; // uninstalled
      }
      if (identity !== warm.identity && this.warm.get(warm.appId) === warm) this.discard(warm, identity === null ? 'its app was uninstalled' : 'its app was reinstalled');
    }
  }

  /** Stops a warm runtime that will not be used. */
  private discard(warm: Warm, why: string): void {
    if (this.warm.get(warm.appId) !== warm) return;
    this.release(warm);
    this.log.debug({ app_id: warm.appId, why }, 'warm runtime stopped');
    warm.proc.kill('SIGKILL');
    warm.proc.child.kill('SIGKILL');
  }

  /** A warm runtime that died on its own (its app fails to load, or it was killed). */
  private drop(warm: Warm, why: string): void {
    if (this.warm.get(warm.appId) !== warm) return;
    this.release(warm);
    warm.proc.child.kill('SIGKILL');
    this.log.debug({ app_id: warm.appId, why }, 'warm runtime lost; its app launches another way next time');
  }

  /** Detaches the pool's listeners so the runtime can be handed over or dropped. */
  private release(warm: Warm): void {
    clearTimeout(warm.timer);
    warm.detach();
    if (this.warm.get(warm.appId) === warm) this.warm.delete(warm.appId);
  }
}
