// A runtime notice for weft-appd's log, from either thread: on the control channel when appd gave one (fd 3), else a `weft-runtime: ` line on stderr (WEFT's in-band form).
import { writeSync } from 'node:fs';
import { encodeControl } from '../protocol/runtime-control.js';
import { writeAll } from './control.js';

/** Set once per thread (main: from argv; wasm thread: from the session start). */
let controlFd: number | null = null;

export function sayOnControl(fd: number | null): void {
  controlFd = fd;
}

export function say(message: string): void {
  try {
    if (controlFd !== null) writeAll(controlFd, encodeControl({ type: 'note', message }));
    else writeSync(2, `weft-runtime: ${message}\n`);
  } catch {
    // the reader is gone: nobody is listening
  }
}

/** The in-band form only: for what must reach stderr even under weft-appd (usage errors before the channel is known). */
export function sayOnStderr(message: string): void {
  try {
    writeSync(2, `weft-runtime: ${message}\n`);
  } catch {
    // stderr gone
  }
}
