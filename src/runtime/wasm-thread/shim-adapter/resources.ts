// What the wasm thread assumes about host resource objects in jco's bindings and preview2-shim: the rep and dispose symbols, the rep range, and how weft's subclasses of the shim's classes stay clear of its private state.

/** The symbol jco calls on resource drop (Symbol.dispose where the runtime has it, else Symbol.for('dispose')). */
export const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * jco keys a host resource by `obj[Symbol.for('cabiRep')]` in its per-type capture table (and
 * counts its own reps only for objects without one). preview2-shim sets it to its I/O worker's id
 * (1, 2, 3…); resources weft makes for a shim type must pick reps that cannot collide with those.
 */
export const CABI_REP: unique symbol = Symbol.for('cabiRep');

/**
 * The highest rep weft gives a resource: jco keeps reps below 2^30 (bit 30 flags ownership in its
 * handle tables). The shim counts up from 1, weft counts down from here.
 */
export const HIGHEST_REP = (1 << 30) - 1;

type Disposable = Record<symbol, (() => void) | undefined>;

/** Drops one of the shim's resources as jco would (its dispose frees the host side: an fd, a timer). */
export function dropResource(resource: object): void {
  (resource as Disposable)[DISPOSE]?.call(resource);
}

/**
 * Makes dropping an instance of `cls` (a weft subclass of one of the shim's resource classes) a
 * no-op: the shim's dispose expects the private state its own constructor sets up, which weft's
 * subclasses lack. weft subclasses the shim's classes because component.js checks `instanceof`
 * against the classes in the import object; the subclasses override every method they inherit.
 */
export function withoutShimDispose(cls: abstract new (...args: never[]) => object): void {
  Object.defineProperty(cls.prototype, DISPOSE, { value: () => {} });
}

/** Gives `cls`'s instances the dispose jco calls when the app drops their handle (replacing an inherited one). */
export function setDispose<T extends object>(cls: abstract new (...args: never[]) => T, dispose: (this: T) => void): void {
  Object.defineProperty(cls.prototype, DISPOSE, { value: dispose });
}
