// One line on the runtime's stderr, prefixed `weft-runtime: ` (weft-appd logs it); usable from either thread.
import { writeSync } from 'node:fs';

export function say(message: string): void {
  try {
    writeSync(2, `weft-runtime: ${message}\n`);
  } catch {
    // stderr gone: nobody is listening
  }
}
