// Spawns a runtime with all three stdio pipes, tracks it for emergency cleanup, and wraps its output in line readers.
import { spawn } from 'node:child_process';
import { trackChild } from '../children.js';
import { LineReader } from '../session/lines.js';
import type { BackendName, RuntimeProcess } from './types.js';

export function spawnRuntime(file: string, args: string[], backend: BackendName): RuntimeProcess {
  const child = spawn(file, args, {
    // stdin stays a pipe appd never closes on purpose: EOF tells the runtime appd is gone.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: process.env,
    // Its own session: a Ctrl-C on appd's terminal reaches appd alone, which then stops apps in order.
    detached: true,
  });
  trackChild(child);
  // A runtime that exits early makes writes to its stdin fail with EPIPE; the exit itself is what matters.
  child.stdin.on('error', () => {});
  return { child, stdout: new LineReader(child.stdout), stderr: new LineReader(child.stderr), backend, warm: false };
}
