// A small pool of `weft-runtime --standby` processes, started ahead of time so a launch skips Node and module start-up.
import { join } from 'node:path';
import { appCacheDir } from '../../config/paths.js';
import type { Logger } from '../../log/logger.js';
import { CONTROL_FD, CONTROL_FD_FLAG, parseControl } from '../../protocol/runtime-control.js';
import { standbySessionLine } from '../../protocol/runtime-argv.js';
import type { Confiner } from '../sandbox/confiner.js';
import { NO_GRANTS, sameGrants } from '../sandbox/profile.js';
import { StandbyStage, stageCanServe } from '../sandbox/standby-stage.js';
import type { Command } from './runtime-command.js';
import { onceSettled } from './once-settled.js';
import { spawnRuntime, stopUnused } from './spawn.js';
import { launchArgv, type LaunchSpec, type RuntimeProcess } from './types.js';

/** A standby that has not announced STANDBY by then is broken. */
const STANDBY_TIMEOUT_MS = 20_000;
/** After this many standbys in a row fail, the pool turns itself off (cold spawns still work). */
const MAX_CONSECUTIVE_FAILURES = 3;

interface Standby {
  proc: RuntimeProcess;
  /** Its private stage when confined: the only files it can see. */
  stage: StandbyStage | null;
  ready: boolean;
  timer: NodeJS.Timeout;
  onControl: (line: string) => void;
  onLine: (line: string) => void;
  onExit: () => void;
}

/**
 * Confined, a standby starts with no grants and sees nothing but its stage, so it serves only
 * launches whose grants are exactly that (no data directories, no network): a warm process never
 * runs an app with more or less than its manifest grants. Other launches start cold.
 */
export class StandbyPool {
  private readonly standbys = new Set<Standby>();
  private failures = 0;
  private disabled = false;
  private closed = false;
  private nextStage = 0;

  constructor(
    private readonly command: Command,
    private readonly size: number,
    private readonly confiner: Confiner,
    private readonly stageRoot: string,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.refill();
  }

  /**
   * A ready standby, handed the launch: it now runs that app exactly as if started with it.
   * Returns null when none is ready or the launch's grants differ from a standby's (the caller
   * spawns cold).
   */
  take(spec: LaunchSpec): RuntimeProcess | null {
    const { installed } = spec;
    if (this.confiner.status.kind === 'bwrap' && !sameGrants(NO_GRANTS, spec.profile)) return null;
    if (this.confiner.status.kind === 'bwrap' && !stageCanServe(installed, appCacheDir(spec.appId), process.env.WEFT_RUNTIME_CODE_CACHE === '0')) return null;
    for (const standby of this.standbys) {
      if (!standby.ready || standby.proc.child.exitCode !== null || standby.proc.child.signalCode !== null) continue;
      this.release(standby);
      let argv = launchArgv(spec);
      if (standby.stage) {
        const stage = standby.stage;
        try {
          stage.fill(installed, spec.ipcSocket, appCacheDir(spec.appId), appCacheDir(spec.appId, { XDG_CACHE_HOME: stage.cacheHome }));
        } catch (error) {
          this.log.warn({ err: (error as Error).message }, 'could not stage an app for a standby runtime; launching cold');
          standby.proc.kill('SIGKILL');
          setImmediate(() => this.refill());
          return null;
        }
        argv = launchArgv({ ...spec, ipcSocket: spec.ipcSocket === null ? null : stage.ipcSocket });
      }
      standby.proc.child.stdin.write(standbySessionLine(argv));
      onceSettled(standby.proc, () => this.refill());
      return { ...standby.proc, warm: true };
    }
    return null;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const exits = [...this.standbys].map((standby) => {
      this.release(standby);
      return stopUnused(standby.proc);
    });
    await Promise.all(exits);
  }

  private refill(): void {
    while (!this.closed && !this.disabled && this.standbys.size < this.size) this.spawnOne();
  }

  private spawnOne(): void {
    const confined = this.confiner.status.kind === 'bwrap';
    const stage = confined ? new StandbyStage(join(this.stageRoot, `standby-${process.pid}-${this.nextStage++}`)) : null;
    const command = [this.command.file, ...this.command.args, '--standby', CONTROL_FD_FLAG, String(CONTROL_FD)];
    const proc = spawnRuntime(stage ? this.confiner.wrap(command, stage.profile(), stage.env()) : { file: command[0] as string, args: command.slice(1), confined: false }, 'direct');
    // The stage lives as long as the process that sees it.
    if (stage) proc.child.once('exit', () => stage.remove());
    const standby: Standby = {
      proc,
      stage,
      ready: false,
      timer: setTimeout(() => this.fail(standby, `no STANDBY within ${STANDBY_TIMEOUT_MS} ms`), STANDBY_TIMEOUT_MS),
      onControl: (line) => {
        if (parseControl(line)?.type === 'standby' && !standby.ready) {
          standby.ready = true;
          this.failures = 0;
          clearTimeout(standby.timer);
          this.log.debug({ pid: proc.child.pid }, 'standby runtime ready');
        }
      },
      onLine: (line) => this.log.debug({ stream: 'standby', line }, 'standby runtime output'),
      onExit: () => this.fail(standby, `exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) while waiting`),
    };
    proc.control.on('line', standby.onControl);
    proc.stdout.on('line', standby.onLine);
    proc.stderr.on('line', standby.onLine);
    proc.child.once('exit', standby.onExit);
    proc.child.once('error', (error) => this.fail(standby, `could not start: ${error.message}`));
    this.standbys.add(standby);
    this.log.debug({ pid: proc.child.pid }, 'standby runtime started');
  }

  /** Detaches the pool's listeners so the standby can be handed over or dropped. */
  private release(standby: Standby): void {
    clearTimeout(standby.timer);
    standby.proc.control.off('line', standby.onControl);
    standby.proc.stdout.off('line', standby.onLine);
    standby.proc.stderr.off('line', standby.onLine);
    standby.proc.child.off('exit', standby.onExit);
    this.standbys.delete(standby);
  }

  private fail(standby: Standby, why: string): void {
    if (!this.standbys.has(standby)) return;
    this.release(standby);
    standby.proc.kill('SIGKILL');
    standby.proc.child.kill('SIGKILL');
    if (this.closed || this.disabled) return;
    this.failures += 1;
    if (this.failures >= MAX_CONSECUTIVE_FAILURES) {
      this.disabled = true;
      this.log.warn(
        { command: [this.command.file, ...this.command.args, '--standby'].join(' '), why },
        `standby runtimes failed ${this.failures} times in a row; launching cold from now on (set WEFT_STANDBY=0 to skip the pool)`,
      );
      return;
    }
    this.log.debug({ why }, 'a standby runtime failed; starting another');
    setTimeout(() => this.refill(), 500).unref();
  }
}
