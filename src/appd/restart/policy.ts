// Restart decisions from a manifest's [restart] table: exponential backoff, and a start limit like systemd's StartLimitBurst.
import type { ExitInfo } from '../../protocol/messages.js';
import { describeExit } from '../../protocol/exit-text.js';
import type { Restart } from '../../manifest/types.js';
import { isCleanExit, isDeliberateStop } from '../session/exit.js';

/** Backoff never grows past this, however many restarts came before. */
export const MAX_BACKOFF_MS = 30_000;

export type RestartDecision =
  | { kind: 'restart'; delayMs: number }
  | { kind: 'stay-stopped' }
  | { kind: 'give-up'; message: string };

/** Does the policy want a process that ended this way started again (ignoring the start limit)? */
export function wantsRestart(policy: Restart['policy'], exit: ExitInfo): boolean {
  if (policy === 'no' || isDeliberateStop(exit)) return false;
  if (policy === 'always') return true;
  return !isCleanExit(exit);
}

/** Restart times that still count against the limit at `now`. */
export function recentRestarts(restartTimes: readonly number[], windowMs: number, now: number): number[] {
  return restartTimes.filter((time) => now - time < windowMs);
}

/** backoffMs doubled once per restart already in the window, capped at 30 s. */
export function backoffDelay(backoffMs: number, restartsInWindow: number): number {
  return Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** Math.min(restartsInWindow, 30));
}

/**
 * `restartTimes` are when earlier restarts of this session happened. Gives up once maxRestarts
 * restarts already happened within windowMs, as systemd does with StartLimitBurst/IntervalSec.
 */
export function decideRestart(policy: Restart, exit: ExitInfo, restartTimes: readonly number[], now: number): RestartDecision {
  if (!wantsRestart(policy.policy, exit)) return { kind: 'stay-stopped' };
  const recent = recentRestarts(restartTimes, policy.windowMs, now);
  if (recent.length >= policy.maxRestarts) {
    return {
      kind: 'give-up',
      message: `restarted ${recent.length} time${recent.length === 1 ? '' : 's'} within ${policy.windowMs} ms (max_restarts = ${policy.maxRestarts}); last exit: ${describeExit(exit)}`,
    };
  }
  return { kind: 'restart', delayMs: backoffDelay(policy.backoffMs, recent.length) };
}

