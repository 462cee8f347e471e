// Turns how a runtime process ended (code, signal, what appd did to it) into the ExitInfo clients see.
import { constants } from 'node:os';
import type { ExitInfo } from '../../protocol/messages.js';
import type { ControlMessage, OutcomeReason } from '../../protocol/runtime-control.js';

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
  /** The runtime's own report on the control channel (fd 3), if it sent one before exiting. */
  outcome: RuntimeOutcome | null;
  /**
   * The process ran inside bubblewrap, which exits 128+n when the runtime dies of signal n; with
   * no outcome reported, such a code means that signal.
   */
  confined: boolean;
  /** The spawn itself failed (e.g. the runtime binary is missing), or the launcher (bwrap, systemd-run) failed before the runtime started. */
  spawnError: string | null;
}

export type RuntimeOutcome = Extract<ControlMessage, { type: 'outcome' }>;

function withMessage(info: Omit<ExitInfo, 'message'>, message: string | null): ExitInfo {
  return message ? { ...info, message } : { ...info };
}

/** The ExitInfo reason for each way the runtime says a run ended. */
const REASON_FOR_OUTCOME: Record<OutcomeReason, string> = {
  exit: 'exited',
  trap: 'trap',
  'memory-limit': 'memory-limit',
  'load-failed': 'load-failed',
  usage: 'load-failed',
  internal: 'load-failed',
  'parent-gone': 'exited',
  terminated: 'exited',
  interrupted: 'exited',
};

/** The signal a confined runtime died of, from bubblewrap's 128+n exit status. */
function signalFromStatus(code: number | null): string | null {
  if (code === null || code <= 128 || code >= 128 + 65) return null;
  const name = Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
  return name ?? null;
}

export function classifyExit(end: ProcessEnd): ExitInfo {
  // A confined runtime that reported nothing and ended 128+n died of signal n (bwrap's status).
  const confinedSignal = end.signal === null && end.confined && end.outcome === null ? signalFromStatus(end.code) : null;
  const base = confinedSignal !== null ? { exit_code: null, signal: confinedSignal } : { exit_code: end.code, signal: end.signal };
  if (end.spawnError !== null) return withMessage({ ...base, reason: 'load-failed' }, end.spawnError);
  if (end.cause) return withMessage({ ...base, reason: end.cause.reason }, end.cause.message);
  if (end.outcome) {
    const { outcome } = end;
    return withMessage({ ...base, reason: REASON_FOR_OUTCOME[outcome.reason] }, outcome.reason === 'exit' ? null : outcome.message);
  }
  // No report from the runtime: it was killed (or crashed) before it could say anything.
  if (base.signal !== null) return withMessage({ ...base, reason: 'killed' }, `the runtime was killed by ${base.signal}, not by appd`);
  return withMessage({ ...base, reason: 'exited' }, end.code === 0 ? null : `the runtime ended with status ${end.code} without reporting why`);
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
