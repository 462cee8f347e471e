// weft-runtime's end of the control channel, from either thread: typed messages to weft-appd on the fd it passed (--control-fd), else WEFT's in-band lines.
import { writeSync } from 'node:fs';
import { encodeControl, type ControlMessage } from '../../protocol/runtime-control.js';

export interface ControlChannel {
  /** True when appd gave a control fd: notes and outcomes go there, not to stderr. */
  readonly outOfBand: boolean;
  send(message: ControlMessage): void;
}

/** Writes all of `text` to `fd` (a pipe may take it in parts). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset);
}

/** A channel on `fd`; with none (WEFT's appd), messages it cannot express in-band are dropped. */
export function openControl(fd: number | null): ControlChannel {
  if (fd === null) return { outOfBand: false, send: () => {} };
  return {
    outOfBand: true,
    send(message) {
      try {
        writeAll(fd, encodeControl(message));
      } catch {
        // appd is gone; stdin EOF ends the runtime
      }
    },
  };
}
