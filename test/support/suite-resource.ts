// Makes one object in beforeAll and disposes of it in afterAll, handing tests a stand-in that forwards to it meanwhile.
import { afterAll, beforeAll } from 'vitest';

export interface SuiteResourceSteps<T extends object> {
  /** Makes the object; if it fails part way it must undo what it made (there is nothing to dispose of yet). */
  create(): Promise<T> | T;
  /** Runs right after create, in the same hook (same timeout), when the stand-in already works; if it throws, dispose still runs. */
  ready?(value: T): Promise<void> | void;
  dispose(value: T): Promise<void> | void;
  /** The beforeAll timeout; the config's hookTimeout when absent. */
  timeoutMs?: number;
}

/**
 * An object that forwards property reads, writes and method calls to whatever `current()` returns
 * at that moment (methods are bound to it). For class instances and plain objects, not arrays.
 */
export function standIn<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_stand, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_stand, key, value: unknown) {
      return Reflect.set(current(), key, value);
    },
    has(_stand, key) {
      return Reflect.has(current(), key);
    },
  });
}

/**
 * Registers beforeAll/afterAll in the calling file or describe block and returns a stand-in for the
 * object they make; using it outside beforeAll..afterAll throws. Skipped suites never run the hooks,
 * so they make nothing.
 */
export function suiteResource<T extends object>(steps: SuiteResourceSteps<T>): T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await steps.create();
    await steps.ready?.(current);
  }, steps.timeoutMs);
  afterAll(async () => {
    const value = current;
    current = undefined;
    if (value !== undefined) await steps.dispose(value);
  });
  return standIn(() => {
    if (current === undefined) throw new Error('a suite resource was used before its beforeAll made it or after afterAll disposed of it');
    return current;
  });
}
