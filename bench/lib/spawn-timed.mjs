// Spawns a process and timestamps its first stdout line matching a pattern and its exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { track } from './tracker.mjs';

/**
 * Starts cmd and resolves { child, lineAt, exitAt, code, stdout, stderr, t0 } (times in ms since t0):
 * `lineAt` when a stdout line matches `until`, `exitAt` when it exits. With keep: true it resolves at
 * the matching line and leaves the process running (the caller kills it; `exited` resolves at exit).
 */
export function spawnTimed(cmd, args, { until = null, env = process.env, keep = false, timeoutMs = 60_000, cwd, stdin = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: [stdin, 'pipe', 'pipe'] });
    track(child.pid, `${cmd} ${args[0] ?? ''}`);
    const result = { child, t0, lineAt: null, exitAt: null, code: null, signal: null, stdout: '', stderr: '' };
    result.exited = once(child, 'exit').then(([code, signal]) => {
      result.exitAt = performance.now() - t0;
      result.code = code;
      result.signal = signal;
      return result;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no ${until ? `line ${until}` : 'exit'} within ${timeoutMs} ms\n${result.stderr.slice(-2000)}`));
    }, timeoutMs);
    let pending = '';
    child.stdout.on('data', (chunk) => {
      const now = performance.now();
      result.stdout += chunk;
      if (result.lineAt !== null || !until) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      if (lines.some((l) => until.test(l))) {
        result.lineAt = now - t0;
        if (keep) {
          clearTimeout(timer);
          resolve(result);
        }
      }
    });
    child.stderr.on('data', (chunk) => (result.stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'exit' can come before the last stdout data (Node emits it as soon as the process is reaped):
    // judge once the output is read too, or a process that printed the line and exited at once
    // (K of them started together) looks as if it never printed it.
    Promise.all([result.exited, once(child.stdout, 'close')]).then(() => {
      clearTimeout(timer);
      if (until && result.lineAt === null) {
        reject(new Error(`${cmd} ${args.join(' ')} exited (${result.code ?? result.signal}) before printing ${until}\n${result.stderr.slice(-2000)}`));
      } else resolve(result);
    });
  });
}
