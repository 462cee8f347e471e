// A runtime notice for weft-appd's log, from either thread: a note on the control channel when appd gave one (fd 3), else a `weft-runtime: ` line on stderr (WEFT's in-band form).
import { writeSync } from 'node:fs';
import { openControl, type ControlChannel } from './control.js';

/** Set once per thread (main: from argv; wasm thread: from the session start). */
let channel: ControlChannel = openControl(null);

export function sayOnControl(fd: number | null): void {
  channel = openControl(fd);
}

export function say(message: string): void {
  if (channel.outOfBand) channel.send({ type: 'note', message });
  else sayOnStderr(message);
}

/** The in-band form only: for what must reach stderr even under weft-appd (usage errors before the channel is known). */
export function sayOnStderr(message: string): void {
  try {
    writeSync(2, `weft-runtime: ${message}\n`);
  } catch {
    // stderr gone
  }
}
