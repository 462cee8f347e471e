// The optional per-session app shell ($WEFT_APP_SHELL_BIN <app_id> <session_id>), started after READY and stopped with the session.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../log/logger.js';
import type { OutputForwarder } from '../logs/output-forwarder.js';
import { trackChild } from '../children.js';
import { LineReader } from './lines.js';

export class AppShell {
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
  }

  static start(bin: string, appId: string, sessionId: number, output: OutputForwarder, log: Logger): AppShell {
    // stdin is a pipe for the same reason as the runtime's: EOF tells the shell appd is gone.
    const child = spawn(bin, [appId, String(sessionId)], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env, detached: true });
    trackChild(child);
    child.stdin.on('error', () => {});
    new LineReader(child.stdout).on('line', (line: string) => output.line('shell-stdout', line));
    new LineReader(child.stderr).on('line', (line: string) => output.line('shell-stderr', line));
    child.once('error', (error) => log.warn({ bin, err: error.message }, `cannot start the app shell ${bin}: ${error.message} (check WEFT_APP_SHELL_BIN)`));
    child.once('exit', (code, signal) => log.info({ bin, exit_code: code, signal }, 'app shell exited'));
    log.info({ bin, pid: child.pid }, 'app shell started');
    return new AppShell(child);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
