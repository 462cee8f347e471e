// The optional per-session app shell ($WEFT_APP_SHELL_BIN <app_id> <session_id>), started after READY and stopped with the session.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../log/logger.js';
import type { OutputForwarder } from '../logs/output-forwarder.js';
import { trackChild } from '../children.js';
import { LineReader } from './lines.js';

export class AppShell {
  private readonly exited: Promise<void>;
  /** appd asked it to stop: its exit is then not news. */
  private stopping = false;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => {
        if (child.pid === undefined) resolve();
      });
    });
  }

  /**
   * Starts the shell. `onExitedByItself` is called once if it exits (or cannot be started) without
   * appd asking, with a one-line description; the session then ends (WEFT does the same).
   */
  static start(bin: string, appId: string, sessionId: number, output: OutputForwarder, log: Logger, onExitedByItself: (message: string) => void): AppShell {
    // stdin is a pipe for the same reason as the runtime's: EOF tells the shell appd is gone.
    const child = spawn(bin, [appId, String(sessionId)], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env, detached: true });
    trackChild(child);
    const shell = new AppShell(child);
    child.stdin.on('error', () => {});
    new LineReader(child.stdout).on('line', (line: string) => output.line('shell-stdout', line));
    new LineReader(child.stderr).on('line', (line: string) => output.line('shell-stderr', line));
    child.once('error', (error) => {
      // Only a failed spawn means there is no shell; other errors (a failed kill) change nothing.
      if (child.pid !== undefined) return;
      log.warn({ bin, err: error.message }, `cannot start the app shell ${bin}: ${error.message} (check WEFT_APP_SHELL_BIN)`);
      if (!shell.stopping) onExitedByItself(`cannot start the app shell ${bin}: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      log.info({ bin, exit_code: code, signal }, 'app shell exited');
      if (!shell.stopping) onExitedByItself(`the app shell exited on its own (${signal ? `signal ${signal}` : `code ${code}`})`);
    });
    log.info({ bin, pid: child.pid }, 'app shell started');
    return shell;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
