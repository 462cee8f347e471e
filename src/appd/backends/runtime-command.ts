// Which command runs weft-runtime: $WEFT_RUNTIME_BIN (as WEFT), else this package's dist/bin/weft-runtime.js under node.
import { fileURLToPath } from 'node:url';
import type { Env } from '../../config/paths.js';

export interface Command {
  file: string;
  args: string[];
}

const SCRIPT = /\.(c|m)?js$/;

/**
 * A `WEFT_RUNTIME_BIN` ending in .js/.mjs/.cjs runs under this node binary, so a test or a
 * development tree can point it at a script without a shebang or an exec bit.
 */
export function runtimeCommand(env: Env = process.env): Command {
  const override = env.WEFT_RUNTIME_BIN;
  if (override && override.length > 0) {
    return SCRIPT.test(override) ? { file: process.execPath, args: [override] } : { file: override, args: [] };
  }
  // dist/appd/backends/runtime-command.js → dist/bin/weft-runtime.js
  return { file: process.execPath, args: [fileURLToPath(new URL('../../bin/weft-runtime.js', import.meta.url))] };
}
