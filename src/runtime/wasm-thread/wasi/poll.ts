// The timer side of wasi:clocks/monotonic-clock and wasi:io/poll: waited out on the wasm thread with Atomics.wait (no spinning, no I/O thread),
// ended early by an IPC message's arrival when the timer is short; lists holding other pollables go to preview2-shim.
import { hrtime } from 'node:process';
import type { Constructor } from '../shim-adapter/shim.js';
import { CABI_REP, DISPOSE, dropResource, HIGHEST_REP } from '../shim-adapter/resources.js';
import { blockFor } from './block.js';

/**
 * The word the main thread bumps (Atomics.add + Atomics.notify) each time it queues a message
 * for the app, and what the app has seen of it. "Seen" is the value when the app last looked at
 * its messages (any receive) or was last woken by one, so each arrival wakes at most one wait and
 * a message that arrived before the app looked does not cut its next sleep short.
 */
export class ArrivalSignal {
  private seen = 0;
  constructor(private readonly word: Int32Array) {}

  /** Call before looking at the inbox: every arrival so far counts as seen. */
  markSeen(): void {
    this.seen = Atomics.load(this.word, 0);
  }

  /** Sleeps up to `ms`; true (and the arrival marked seen) if an unseen arrival ended it. */
  wait(ms: number): boolean {
    if (Atomics.wait(this.word, 0, this.seen, ms) === 'timed-out') return false;
    const now = Atomics.load(this.word, 0);
    if (now === this.seen) return false; // a notify without a bump: not ours
    this.seen = now;
    return true;
  }
}

/** What `poll` needs from preview2-shim for lists holding its pollables (streams, sockets, http); null when it is not loaded. */
export interface ShimPolling {
  poll(list: object[]): ArrayLike<number>;
  subscribeInstant(instant: bigint): object;
}

export interface PollingOptions {
  /** The class component.js checks pollables against: preview2-shim's Pollable when it is loaded, else weft's own. */
  Pollable: Constructor;
  shim: ShimPolling | null;
  arrivals: ArrivalSignal | null;
  /** Timers at most this long may end early on a message arrival (0: never). */
  earlyWakeMs: number;
}

export interface TimerPollable {
  readonly deadline: bigint;
  ready(): boolean;
  block(): void;
}

export interface Polling {
  monotonicClock: {
    now(): bigint;
    resolution(): bigint;
    subscribeInstant(instant: bigint): object;
    subscribeDuration(duration: bigint): object;
  };
  poll: { Pollable: Constructor; poll(list: object[]): Uint32Array };
  /** A pollable that is ready at once (weft's stdio never makes the app wait on a pollable). */
  readyPollable(): object;
}

const now = (): bigint => hrtime.bigint();
const toMs = (ns: bigint): number => Number(ns) / 1e6;

export function createPolling(options: PollingOptions): Polling {
  const { shim, arrivals } = options;
  const earlyWakeNs = BigInt(Math.max(0, Math.round(options.earlyWakeMs * 1e6)));
  const freeReps: number[] = [];
  let nextRep = HIGHEST_REP;
  const Base = options.Pollable as new () => object;

  // Extends the class component.js checks (`instanceof Pollable`); every method the shim's
  // Pollable has is overridden, so its private state (absent here) is never touched.
  class Timer extends Base implements TimerPollable {
    [CABI_REP]: number;
    /** Reported ready by an early wake: stays ready, as a pollable that fired does. */
    fired = false;
    private released = false;
    constructor(
      readonly deadline: bigint,
      /** Short enough for a message arrival to end its wait. */
      readonly wakeable: boolean,
    ) {
      super();
      this[CABI_REP] = freeReps.pop() ?? nextRep--;
    }
    ready(): boolean {
      return this.fired || now() >= this.deadline;
    }
    block(): void {
      waitTimers([this]);
    }
    [DISPOSE](): void {
      if (this.released) return;
      this.released = true;
      freeReps.push(this[CABI_REP]);
    }
  }

  const subscribe = (deadline: bigint, duration: bigint): Timer => new Timer(deadline, arrivals !== null && duration <= earlyWakeNs);

  /** Indices of the timers that are ready at `t`. */
  function readyAt(timers: readonly Timer[], t: bigint): number[] {
    const ready: number[] = [];
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i] as Timer;
      if (timer.fired || timer.deadline <= t) ready.push(i);
    }
    return ready;
  }

  /** Indices of the timers that are ready; waits (never spins) until at least one is. */
  function waitTimers(timers: readonly Timer[]): number[] {
    let t = now();
    const ready = readyAt(timers, t);
    if (ready.length > 0) return ready;
    let first = timers[0] as Timer;
    for (const timer of timers) if (timer.deadline < first.deadline) first = timer;
    for (;;) {
      const remaining = first.deadline - t;
      if (remaining <= 0n) break;
      if (first.wakeable && arrivals) {
        if (arrivals.wait(toMs(remaining))) {
          first.fired = true; // a message arrived: the short sleep ends now, as if it had run out
          break;
        }
      } else {
        blockFor(toMs(remaining));
      }
      t = now();
    }
    return readyAt(timers, now());
  }

  /** A list with pollables of the shim's: the shim waits, with one of its own timers standing in for weft's earliest. */
  function pollMixed(list: readonly object[], shimPolling: ShimPolling): Uint32Array {
    const timers: [number, Timer][] = [];
    const others: [number, object][] = [];
    list.forEach((pollable, i) => (pollable instanceof Timer ? timers.push([i, pollable]) : others.push([i, pollable])));
    let t = now();
    let ready = timers.filter(([, timer]) => timer.fired || timer.deadline <= t).map(([i]) => i);
    if (ready.length > 0) {
      // Something is ready already: add whichever of the shim's are, without waiting.
      for (const [i, pollable] of others) if ((pollable as { ready(): boolean }).ready()) ready.push(i);
      return Uint32Array.from(ready.sort((a, b) => a - b));
    }
    let stand: object | null = null;
    const shimList = others.map(([, pollable]) => pollable);
    if (timers.length > 0) {
      const earliest = timers.reduce((a, b) => (b[1].deadline < a[1].deadline ? b : a))[1].deadline;
      stand = shimPolling.subscribeInstant(earliest);
      shimList.push(stand);
    }
    try {
      const shimReady = Array.from(shimPolling.poll(shimList));
      ready = shimReady.filter((k) => k < others.length).map((k) => (others[k] as [number, object])[0]);
      t = now();
      for (const [i, timer] of timers) if (timer.fired || timer.deadline <= t) ready.push(i);
      if (ready.length === 0 && timers.length > 0) {
        // The stand-in fired a hair before our clock agrees (another thread's timer): the earliest is due.
        const [i, timer] = timers.reduce((a, b) => (b[1].deadline < a[1].deadline ? b : a));
        timer.fired = true;
        ready.push(i);
      }
      return Uint32Array.from(ready.sort((a, b) => a - b));
    } finally {
      if (stand) dropResource(stand);
    }
  }

  const monotonicClock = {
    now,
    resolution: (): bigint => 1n,
    subscribeDuration(duration: bigint): object {
      const d = BigInt(duration);
      return subscribe(now() + d, d);
    },
    subscribeInstant(instant: bigint): object {
      const deadline = BigInt(instant);
      return subscribe(deadline, deadline - now());
    },
  };

  const poll = {
    Pollable: options.Pollable,
    poll(list: object[]): Uint32Array {
      if (list.length === 0) throw new Error('wasi-io trap: attempt to poll on empty list');
      if (list.every((pollable) => pollable instanceof Timer)) return Uint32Array.from(waitTimers(list as Timer[]));
      if (!shim) throw new Error('wasi-io trap: poll on a pollable weft did not create');
      return pollMixed(list, shim);
    },
  };

  return { monotonicClock, poll, readyPollable: () => new Timer(0n, false) };
}
