// Turns how a runtime process ended (code, signal, what appd did to it) into the ExitInfo clients see.
import type { ExitInfo } from '../../protocol/messages.js';

/** Why appd itself stopped a process; it names the reason better than the signal does. */
export type StopReason = 'terminated' | 'ready-timeout' | 'memory-limit' | 'cpu-limit' | 'appd-shutdown' | 'shell-exited';

export interface StopCause {
  reason: StopReason;
  message: string;
}

export interface ProcessEnd {
  code: number | null;
  signal: string | null;
  /** Set when appd asked the process to stop. */
  cause: StopCause | null;
  /** The runtime's own one-line reason (stderr, `weft-runtime: ` prefix stripped), if it gave one. */
  runtimeMessage: string | null;
  /** The spawn itself failed (e.g. the runtime binary is missing). */
  spawnError: string | null;
}

/** weft-runtime's exit codes (see the runtime contract). */
export const RUNTIME_EXIT = {
  loadFailed: 125,
  missingEntryPoint: 126,
  parentGone: 129,
  trap: 134,
  memoryLimit: 137,
  sigterm: 143,
} as const;

function withMessage(info: Omit<ExitInfo, 'message'>, message: string | null): ExitInfo {
  return message ? { ...info, message } : { ...info };
}

export function classifyExit(end: ProcessEnd): ExitInfo {
  const base = { exit_code: end.code, signal: end.signal };
  if (end.spawnError !== null) return withMessage({ ...base, reason: 'load-failed' }, end.spawnError);
  if (end.cause) return withMessage({ ...base, reason: end.cause.reason }, end.cause.message);
  if (end.signal !== null) {
    return withMessage({ ...base, reason: 'killed' }, end.runtimeMessage ?? `the runtime was killed by ${end.signal}, not by appd`);
  }
  switch (end.code) {
    case RUNTIME_EXIT.loadFailed:
      return withMessage({ ...base, reason: 'load-failed' }, end.runtimeMessage ?? 'the runtime could not load the app');
    case RUNTIME_EXIT.missingEntryPoint:
      return withMessage({ ...base, reason: 'load-failed' }, end.runtimeMessage ?? 'the app has no entry point');
    case RUNTIME_EXIT.parentGone:
      return withMessage({ ...base, reason: 'exited' }, end.runtimeMessage ?? 'the runtime lost its parent (stdin EOF or the IPC socket closed)');
    case RUNTIME_EXIT.trap:
      return withMessage({ ...base, reason: 'trap' }, end.runtimeMessage);
    case RUNTIME_EXIT.memoryLimit:
      return withMessage({ ...base, reason: 'memory-limit' }, end.runtimeMessage ?? 'the app exceeded its memory limit');
    default:
      return withMessage({ ...base, reason: 'exited' }, end.code === 0 ? null : end.runtimeMessage);
  }
}

/** A clean exit: the app returned 0 on its own. Restart policy `on-failure` leaves these alone. */
export function isCleanExit(info: ExitInfo): boolean {
  return info.reason === 'exited' && info.exit_code === 0;
}

/**
 * Stops appd made on a user's behalf; no restart policy undoes them. The app shell exiting on its
 * own is one: it is the app's window, and closing the window ends the app (as in WEFT).
 */
export function isDeliberateStop(info: ExitInfo): boolean {
  return info.reason === 'terminated' || info.reason === 'appd-shutdown' || info.reason === 'shell-exited';
}

/** An unexplained SIGKILL under a memory cgroup is blamed on memory when the last RSS sample was at least this fraction of memory_max_mb. */
export const INFER_MEMORY_FRACTION = 0.6;

export interface KillContext {
  /** The backend puts the runtime in a cgroup with a MemoryMax (systemd-scope). */
  kernelMemoryLimit: boolean;
  /** The scope's MemoryMax, MiB, when known (for the message). */
  scopeMemoryMaxMb: number | null;
  memoryMaxMb: number;
  /** The last RSS sample of this run, bytes. */
  lastRssBytes: number | null;
}

/**
 * The last resort for a SIGKILL appd did not send, under a cgroup backend: the kernel's OOM
 * killer at the scope's MemoryMax leaves nothing else behind (on cgroup v1 a user manager unloads
 * the scope at once with Result=success, see systemd.md), so judge by the last sample. Normally
 * appd has killed the app itself, with its reason, before this matters.
 */
export function inferMemoryKill(signal: string | null, ctx: KillContext): StopCause | null {
  if (!ctx.kernelMemoryLimit || signal !== 'SIGKILL' || ctx.lastRssBytes === null) return null;
  const limitBytes = ctx.memoryMaxMb * 1024 * 1024;
  if (ctx.lastRssBytes < INFER_MEMORY_FRACTION * limitBytes) return null;
  const scope = ctx.scopeMemoryMaxMb !== null ? ` (the scope's MemoryMax=${ctx.scopeMemoryMaxMb}M)` : '';
  const percent = Math.round((ctx.lastRssBytes / limitBytes) * 100);
  return {
    reason: 'memory-limit',
    message: `killed by SIGKILL from the kernel's memory limit${scope}; resident memory was last seen at ${percent}% of the ${ctx.memoryMaxMb} MiB limit ([limits] memory_max_mb)`,
  };
}
