// A small pool of `weft-runtime --standby` processes, started ahead of time so a launch skips Node and module start-up.
import type { Logger } from '../../log/logger.js';
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import type { RuntimeProcess } from './types.js';

/** A standby that has not printed STANDBY by then is broken. */
const STANDBY_TIMEOUT_MS = 20_000;
/** After this many standbys in a row fail, the pool turns itself off (cold spawns still work). */
const MAX_CONSECUTIVE_FAILURES = 3;

interface Standby {
  proc: RuntimeProcess;
  ready: boolean;
  timer: NodeJS.Timeout;
  onLine: (line: string) => void;
  onErrLine: (line: string) => void;
  onExit: () => void;
}

export class StandbyPool {
  private readonly standbys = new Set<Standby>();
  private failures = 0;
  private disabled = false;
  private closed = false;

  constructor(
    private readonly command: Command,
    private readonly size: number,
    private readonly log: Logger,
  ) {}

  /** Starts filling the pool. */
  start(): void {
    this.refill();
  }

  /**
   * A ready standby, handed over with `argv`: it now runs that app exactly as if started with
   * it. Returns null when none is ready (the caller spawns cold).
   */
  take(argv: string[]): RuntimeProcess | null {
    for (const standby of this.standbys) {
      if (!standby.ready || standby.proc.child.exitCode !== null || standby.proc.child.signalCode !== null) continue;
      this.release(standby);
      standby.proc.child.stdin.write(`${JSON.stringify({ argv })}\n`);
      setImmediate(() => this.refill());
      return { ...standby.proc, warm: true };
    }
    return null;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const exits = [...this.standbys].map((standby) => {
      this.release(standby);
      const { child } = standby.proc;
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      });
    });
    await Promise.all(exits);
  }

  private refill(): void {
    while (!this.closed && !this.disabled && this.standbys.size < this.size) this.spawnOne();
  }

  private spawnOne(): void {
    const proc = spawnRuntime(this.command.file, [...this.command.args, '--standby'], 'direct');
    const standby: Standby = {
      proc,
      ready: false,
      timer: setTimeout(() => this.fail(standby, `no STANDBY line within ${STANDBY_TIMEOUT_MS} ms`), STANDBY_TIMEOUT_MS),
      onLine: (line) => {
        if (line.trim() === 'STANDBY' && !standby.ready) {
          standby.ready = true;
          this.failures = 0;
          clearTimeout(standby.timer);
        } else {
          this.log.debug({ stream: 'standby', line }, 'standby runtime output');
        }
      },
      onErrLine: (line) => this.log.debug({ stream: 'standby-stderr', line }, 'standby runtime output'),
      onExit: () => this.fail(standby, `exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}) while waiting`),
    };
    proc.stdout.on('line', standby.onLine);
    proc.stderr.on('line', standby.onErrLine);
    proc.child.once('exit', standby.onExit);
    proc.child.once('error', (error) => this.fail(standby, `could not start: ${error.message}`));
    this.standbys.add(standby);
  }

  /** Detaches the pool's listeners so the standby can be handed over or dropped. */
  private release(standby: Standby): void {
    clearTimeout(standby.timer);
    standby.proc.stdout.off('line', standby.onLine);
    standby.proc.stderr.off('line', standby.onErrLine);
    standby.proc.child.off('exit', standby.onExit);
    this.standbys.delete(standby);
  }

  private fail(standby: Standby, why: string): void {
    if (!this.standbys.has(standby)) return;
    this.release(standby);
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
