// Runs a desktop helper program (notify-send, wl-copy, wl-paste) with a timeout, for factors that need one.
import { spawn } from 'node:child_process';

export interface HelperResult {
  stdout: Buffer;
}

/**
 * Resolves with stdout when the program exits 0; rejects with a message for the app when it is
 * not installed, fails, or runs past `timeoutMs`.
 */
export function runHelper(program: string, args: string[], options: { input?: string; timeoutMs: number; maxOutputBytes: number; missing: string }): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs, killSignal: 'SIGKILL' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxOutputBytes) {
        child.kill('SIGKILL');
        reject(new Error(`${program} wrote more than ${options.maxOutputBytes} bytes`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'ENOENT' ? options.missing : `${program}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout: Buffer.concat(stdout) });
      const detail = Buffer.concat(stderr).toString('utf8').trim().split('\n')[0];
      reject(new Error(signal ? `${program} was killed (${signal}; timeout ${options.timeoutMs} ms)` : `${program} exited with status ${code}${detail ? `: ${detail}` : ''}`));
    });
    child.stdin.on('error', () => {}); // the helper may exit without reading; its exit status tells what happened
    child.stdin.end(options.input ?? '');
  });
}
