// Symbols jco's generated bindings use on host resource objects.

/** The symbol jco calls on resource drop (Symbol.dispose where the runtime has it). */
export const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * jco keys a host resource by `obj[Symbol.for('cabiRep')]` in its per-type capture table (and
 * counts its own reps only for objects without one). preview2-shim sets it to its I/O worker's id
 * (1, 2, 3…); resources weft makes for a shim type must pick reps that cannot collide with those.
 */
export const CABI_REP: unique symbol = Symbol.for('cabiRep');
