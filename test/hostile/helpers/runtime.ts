// Runs weft-runtime directly (as appd would: stdin held open as the parent-death pipe) and collects its output and exit.
import { spawn } from 'node:child_process';
import { RUNTIME_BIN } from '../../support/appd.js';

export interface RuntimeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: string[];
  timedOut: boolean;
}

export interface RuntimeOptions {
  env: NodeJS.ProcessEnv;
  args?: string[];
  /** Kill it (SIGKILL) after this long; a test that expects an exit sets it generously. */
  timeoutMs?: number;
  /** Resolve (and kill) as soon as a stdout line matches. */
  until?: RegExp;
}

export function runRuntime(appId: string, sessionId: string, options: RuntimeOptions): Promise<RuntimeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUNTIME_BIN, appId, sessionId, ...(options.args ?? [])], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // A read or write error on a pipe (ECONNRESET, EPIPE when the runtime dies mid-stream) ends
    // that stream; the exit status says what happened. Unheard, it would crash the test worker.
    child.stdin.on('error', () => {});
    child.stdout.on('error', () => {});
    child.stderr.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < 4 << 20) stdout += chunk.toString('utf8');
      if (options.until && stdout.split('\n').some((line) => options.until!.test(line))) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 20) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, lines: stdout.split('\n').filter((l) => l.length > 0), timedOut });
    });
  });
}
