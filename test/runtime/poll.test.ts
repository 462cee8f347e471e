// Unit tests for weft's timers and poll (src/runtime/wasm-thread/wasi/poll.ts): Atomics.wait instead of spinning, the early wake on a
// message arrival (short timers only), jco's rep contract, and lists mixing preview2-shim pollables with weft's.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as own from '../../src/runtime/wasm-thread/wasi/own-io.js';
import { ArrivalSignal, createPolling, type TimerPollable } from '../../src/runtime/wasm-thread/wasi/poll.js';
import { CABI_REP, DISPOSE } from '../../src/runtime/wasm-thread/shim-adapter/resources.js';
import { loadShimIo } from '../../src/runtime/wasm-thread/shim-adapter/shim.js';

const MS = 1_000_000n;

/** A thread that bumps the arrival word (as the main thread does when it delivers a message) after `delayMs`. */
function bumpLater(word: Int32Array, delayMs: number): Worker {
  return new Worker(
    `const { workerData: { buffer, delayMs } } = require('node:worker_threads');
     const word = new Int32Array(buffer);
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
     Atomics.add(word, 0, 1);
     Atomics.notify(word, 0);`,
    { eval: true, workerData: { buffer: word.buffer, delayMs } },
  );
}

function setup(earlyWakeMs = 50) {
  const word = new Int32Array(new SharedArrayBuffer(4));
  const arrivals = new ArrivalSignal(word);
  const polling = createPolling({ Pollable: own.Pollable, shim: null, arrivals, earlyWakeMs });
  return { word, arrivals, polling };
}

/** Runs `fn` (which blocks this thread) and returns how long it took in ms, with its result. */
function timed<T>(fn: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = fn();
  return { ms: performance.now() - started, value };
}

/** CPU time (user + system) this process used while `fn` ran, in ms. */
function cpuOf(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('timers', () => {
  it('a pollable from subscribe-duration is an instance of the import\'s Pollable and becomes ready after its duration', () => {
    const { polling } = setup();
    // Timed from the subscription, which is where the duration starts: a descheduled test thread
    // between subscribing and polling would otherwise make the wait look short.
    // 200 ms so that the not-yet-ready check still comes before the deadline on a loaded machine.
    const subscribed = performance.now();
    const timer = polling.monotonicClock.subscribeDuration(200n * MS) as TimerPollable;
    expect(timer).toBeInstanceOf(own.Pollable);
    expect(timer.ready()).toBe(false);
    const value = polling.poll.poll([timer]);
    const ms = performance.now() - subscribed;
    expect(Array.from(value)).toEqual([0]);
    expect(ms).toBeGreaterThanOrEqual(199.9);
    expect(timer.ready()).toBe(true);
  });

  it('waits without spinning: 1 ms sleeps cost little CPU', () => {
    const { polling } = setup();
    const cpu = cpuOf(() => {
      for (let i = 0; i < 100; i++) {
        const timer = polling.monotonicClock.subscribeDuration(MS);
        polling.poll.poll([timer]);
        (timer as unknown as Record<symbol, () => void>)[DISPOSE]?.();
      }
    });
    // ≥ 100 ms of sleeping; spinning (as preview2-shim does below 10 ms) would cost about that much CPU.
    expect(cpu).toBeLessThan(50);
  });

  it('poll returns every ready timer, and waits for the earliest when none is', () => {
    const { polling } = setup();
    const clock = polling.monotonicClock;
    const past = clock.subscribeInstant(clock.now() - MS);
    const later = clock.subscribeDuration(500n * MS);
    expect(Array.from(polling.poll.poll([later, past]))).toEqual([1]);
    const soon = clock.subscribeDuration(10n * MS);
    const { ms, value } = timed(() => polling.poll.poll([later, soon]));
    expect(Array.from(value)).toEqual([1]);
    expect(ms).toBeLessThan(400);
    expect(() => polling.poll.poll([])).toThrow(/empty list/);
  });

  it('pollable.block waits for its own deadline', () => {
    const { polling } = setup();
    const subscribed = performance.now();
    const timer = polling.monotonicClock.subscribeDuration(15n * MS) as TimerPollable;
    timer.block();
    expect(performance.now() - subscribed).toBeGreaterThanOrEqual(14.9);
  });
});

describe('early wake on a message arrival', () => {
  it('a message arriving during a short sleep ends it at once, and the timer reads as ready', async () => {
    // A long limit and timer, so a loaded machine delaying the bumper thread cannot blur the contrast.
    const { word, polling } = setup(2000);
    const bumper = bumpLater(word, 5);
    await new Promise((resolve) => bumper.once('online', resolve));
    const timer = polling.monotonicClock.subscribeDuration(1500n * MS) as TimerPollable; // ≤ 2000 ms: wakeable
    const { ms, value } = timed(() => polling.poll.poll([timer]));
    await bumper.terminate();
    expect(Array.from(value)).toEqual([0]);
    expect(ms).toBeLessThan(1000);
    expect(timer.ready()).toBe(true);
  });

  it('a sleep longer than the limit runs to its deadline', async () => {
    const { word, polling } = setup(50);
    const bumper = bumpLater(word, 5);
    await new Promise((resolve) => bumper.once('online', resolve));
    const { ms } = timed(() => polling.poll.poll([polling.monotonicClock.subscribeDuration(120n * MS)]));
    await bumper.terminate();
    expect(ms).toBeGreaterThanOrEqual(119);
  });

  it('an arrival the app has already looked at does not cut the next sleep short; an unseen one does, once', () => {
    const { word, arrivals, polling } = setup(2000);
    Atomics.add(word, 0, 1); // a message arrived …
    arrivals.markSeen(); // … and the app looked at its inbox (recv)
    expect(timed(() => polling.poll.poll([polling.monotonicClock.subscribeDuration(20n * MS)])).ms).toBeGreaterThanOrEqual(19);
    Atomics.add(word, 0, 1); // arrives while the app is busy, before it sleeps
    expect(timed(() => polling.poll.poll([polling.monotonicClock.subscribeDuration(1500n * MS)])).ms).toBeLessThan(1000);
    // that arrival woke one sleep; the next runs to its deadline
    expect(timed(() => polling.poll.poll([polling.monotonicClock.subscribeDuration(20n * MS)])).ms).toBeGreaterThanOrEqual(19);
  });

  it('is off with an early-wake limit of 0', () => {
    const { word, polling } = setup(0);
    Atomics.add(word, 0, 1);
    expect(timed(() => polling.poll.poll([polling.monotonicClock.subscribeDuration(20n * MS)])).ms).toBeGreaterThanOrEqual(19);
  });
});

describe('jco resource contract', () => {
  it('reps are below 2^30, distinct while alive, reused after drop, and never collide with the shim\'s (which count up from 1)', () => {
    const { polling } = setup();
    const a = polling.monotonicClock.subscribeDuration(0n) as unknown as Record<symbol, number> & Record<symbol, () => void>;
    const b = polling.monotonicClock.subscribeDuration(0n) as unknown as Record<symbol, number> & Record<symbol, () => void>;
    expect(a[CABI_REP]).toBeLessThan(2 ** 30);
    expect(a[CABI_REP]).toBeGreaterThan(2 ** 29);
    expect(a[CABI_REP]).not.toBe(b[CABI_REP]);
    const rep = a[CABI_REP];
    (a[DISPOSE] as () => void)();
    (a[DISPOSE] as () => void)(); // a second drop must not free the rep twice
    const c = polling.monotonicClock.subscribeDuration(0n) as unknown as Record<symbol, number>;
    const d = polling.monotonicClock.subscribeDuration(0n) as unknown as Record<symbol, number>;
    expect(c[CABI_REP]).toBe(rep);
    expect(d[CABI_REP]).not.toBe(rep);
  });
});

describe('lists mixing preview2-shim pollables with weft timers', async () => {
  const shim = await loadShimIo();
  const polling = createPolling({
    Pollable: shim.io.poll.Pollable,
    shim: { poll: (list) => shim.io.poll.poll(list), subscribeInstant: (instant) => shim.clocks.monotonicClock.subscribeInstant(instant) },
    arrivals: null,
    earlyWakeMs: 50,
  });
  const shimTimer = (ms: bigint): object => shim.clocks.monotonicClock.subscribeInstant(polling.monotonicClock.now() + ms * MS);
  const dispose = (...pollables: object[]): void => {
    for (const p of pollables) (p as Record<symbol, (() => void) | undefined>)[DISPOSE]?.();
  };

  it('weft timers are instances of the shim\'s Pollable (component.js checks instanceof against the import)', () => {
    expect(polling.monotonicClock.subscribeDuration(0n)).toBeInstanceOf(shim.io.poll.Pollable);
  });

  it('a weft timer that fires first is reported, without waiting for the shim\'s', () => {
    const slow = shimTimer(2000n);
    const ours = polling.monotonicClock.subscribeDuration(15n * MS);
    const { ms, value } = timed(() => polling.poll.poll([slow, ours]));
    expect(Array.from(value)).toEqual([1]);
    expect(ms).toBeLessThan(1500);
    dispose(slow, ours);
  });

  it('a shim pollable that becomes ready first is reported with its own index', () => {
    const quick = shimTimer(15n);
    const ours = polling.monotonicClock.subscribeDuration(2000n * MS);
    const { ms, value } = timed(() => polling.poll.poll([ours, quick]));
    expect(Array.from(value)).toEqual([1]);
    expect(ms).toBeLessThan(1500);
    dispose(quick, ours);
  });

  it('a ready weft timer is returned together with ready shim pollables, and a shim-only list goes to the shim', () => {
    const ready = shimTimer(0n);
    const pending = shimTimer(500n);
    const ours = polling.monotonicClock.subscribeDuration(0n);
    expect(Array.from(polling.poll.poll([pending, ours, ready]))).toEqual([1, 2]);
    expect(Array.from(polling.poll.poll([pending, ready]))).toEqual([1]);
    dispose(ready, pending, ours);
  });
});
