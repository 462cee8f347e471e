// Blocking the wasm thread for a while without spinning (the thread has no event loop to await on while wasm runs).

const cell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds (Atomics.wait on a word nobody notifies). */
export function blockFor(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
