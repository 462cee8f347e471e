// Runs a pool's refill once a launched runtime no longer needs the machine's CPU to itself: at its READY or its exit.
import { parseControl } from '../../protocol/runtime-control.js';
import type { RuntimeProcess } from './types.js';

/** The longest a pool waits for a launched runtime's READY: a session stuck loading does not keep the pool empty. */
export const SETTLE_MAX_MS = 2000;

/**
 * Calls `then` once, after `launched` reports READY on its control channel or exits, whichever
 * comes first (at the latest after SETTLE_MAX_MS). A pool starts its next pre-started runtime from here rather than at the hand-off:
 * booting one (bwrap, node, the wasm thread) takes ~150 ms of CPU, and on a small machine it would
 * compete with the session it was handed to for the milliseconds to READY. `then` runs after this
 * turn of the event loop: these listeners were attached before the session's own, and spawning
 * (~30 ms of appd's loop) would otherwise hold back the session's APP_READY.
 */
export function onceSettled(launched: Pick<RuntimeProcess, 'control' | 'child'>, then: () => void): void {
  let done = false;
  const settle = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    launched.control.off('line', onLine);
    launched.child.off('exit', settle);
    setImmediate(then);
  };
  const onLine = (line: string): void => {
    if (parseControl(line)?.type === 'ready') settle();
  };
  const timer = setTimeout(settle, SETTLE_MAX_MS);
  timer.unref();
  launched.control.on('line', onLine);
  launched.child.once('exit', settle);
}
