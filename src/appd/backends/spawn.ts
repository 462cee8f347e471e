// Spawns a runtime with stdio pipes, its control channel on fd 3 and (inside bubblewrap) bwrap's info fd, and tracks it for emergency cleanup.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CONTROL_FD, MAX_CONTROL_LINE_BYTES } from '../../protocol/runtime-control.js';
import { trackChild } from '../children.js';
import { BWRAP_INFO_FD, BWRAP_SECCOMP_FD } from '../sandbox/bwrap-args.js';
import { denySymlinkFilter } from '../sandbox/seccomp.js';
import type { WrappedCommand } from '../sandbox/confiner.js';
import { LineReader } from '../session/lines.js';
import type { BackendName, RuntimeChild, RuntimeProcess } from './types.js';

const SECCOMP_FILTER = denySymlinkFilter();

/** bubblewrap's info is one small JSON object; anything larger is not it. */
const MAX_INFO_BYTES = 64 * 1024;

/** Reads `child-pid` from bubblewrap's info fd: the confined runtime's pid as appd sees it. */
function readInnerPid(stream: Readable): Promise<number | null> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_INFO_BYTES) stream.destroy();
      try {
        const pid = (JSON.parse(text) as { 'child-pid'?: unknown })['child-pid'];
        if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0) resolve(pid);
      } catch {
        // not complete yet
      }
    });
    stream.on('close', () => resolve(null));
    stream.on('error', () => resolve(null));
  });
}

export function spawnRuntime(command: WrappedCommand, backend: BackendName): RuntimeProcess {
  // fd 3: the runtime's control channel; fds 4 and 5 (only when confined): bubblewrap's info out, the seccomp filter in.
  const stdio = command.confined ? (['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] as const) : (['pipe', 'pipe', 'pipe', 'pipe'] as const);
  const child = spawn(command.file, command.args, {
    // stdin stays a pipe appd never closes on purpose: EOF tells the runtime appd is gone.
    stdio: [...stdio],
    env: process.env,
    // Its own session: a Ctrl-C on appd's terminal reaches appd alone, which then stops apps in order.
    detached: true,
  }) as unknown as RuntimeChild;
  trackChild(child);
  // A runtime that exits early makes writes to its stdin fail with EPIPE; the exit itself is what matters.
  child.stdin.on('error', () => {});
  const control = child.stdio[CONTROL_FD] as Readable;
  if (command.confined) {
    const seccomp = (child.stdio as unknown as (Readable | Writable)[])[BWRAP_SECCOMP_FD] as Writable;
    seccomp.on('error', () => {}); // bwrap failed before reading it: its exit says why
    seccomp.end(SECCOMP_FILTER);
  }
  const info = command.confined ? (child.stdio[BWRAP_INFO_FD] as Readable) : null;
  const innerPid = info ? readInnerPid(info) : Promise.resolve(child.pid ?? null);
  let known: number | null = command.confined ? null : (child.pid ?? null);
  void innerPid.then((pid) => (known = pid));
  return {
    child,
    stdout: new LineReader(child.stdout),
    stderr: new LineReader(child.stderr),
    control: new LineReader(control, MAX_CONTROL_LINE_BYTES),
    backend,
    warm: false,
    confined: command.confined,
    appPid: innerPid,
    kill(signal) {
      // Inside bubblewrap the runtime is the namespace's init: signal it, not bwrap (which would
      // die at once and take the runtime down with SIGKILL, skipping its clean exit).
      if (known !== null && known !== child.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(known, signal);
          return;
        } catch {
          // gone already; bwrap follows
        }
      }
      child.kill(signal);
    },
  };
}

/** Stops a pooled runtime that never got a session: SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
export function stopUnused(proc: RuntimeProcess, graceMs = 2000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}
