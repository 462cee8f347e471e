// weft-runtime's exit statuses: the app's own code, or one of these so weft-appd can tell why a session ended.
import type { OutcomeReason } from './runtime-control.js';

/**
 * 0–124 (and any other code the app passes to exit) are the app's. The codes below are
 * weft-runtime's; an app that exits with one of them on purpose is indistinguishable, so apps
 * should avoid them (as with shells' 126/127).
 */
export const EXIT = {
  /** The command line is wrong (unknown option, missing app id). */
  USAGE: 2,
  /** weft-runtime itself failed (a bug); the message says where. */
  INTERNAL: 70,
  /** Could not load: not installed, bad manifest, hash mismatch, bad wasm, refused import or preopen, IPC socket unreachable. */
  LOAD_FAILED: 125,
  /** The app has no entry point: no `_start` (preview1) or no `wasi:cli/run` export (component). */
  MISSING_ENTRY_POINT: 126,
  /** Parent gone: stdin (the parent-death pipe) hit EOF, the parent process changed, or the IPC socket closed. */
  PARENT_GONE: 129,
  /** SIGINT. */
  INTERRUPTED: 130,
  /** The app trapped (unreachable, out-of-bounds access, stack overflow…); the wasm backtrace is on stderr. */
  TRAP: 134,
  /** The app hit its linear-memory limit ([limits] wasm_memory_max_mb), or cannot start within it. */
  MEMORY_LIMIT: 137,
  /** SIGTERM: the app was ended on request. */
  TERMINATED: 143,
} as const;



/** The reason a runtime-chosen exit status reports on the control channel (an app's own status is `exit`). */
export function reasonForStatus(code: number): OutcomeReason {
  switch (code) {
    case EXIT.USAGE:
      return 'usage';
    case EXIT.INTERNAL:
      return 'internal';
    case EXIT.LOAD_FAILED:
    case EXIT.MISSING_ENTRY_POINT:
      return 'load-failed';
    case EXIT.PARENT_GONE:
      return 'parent-gone';
    case EXIT.INTERRUPTED:
      return 'interrupted';
    case EXIT.TRAP:
      return 'trap';
    case EXIT.MEMORY_LIMIT:
      return 'memory-limit';
    case EXIT.TERMINATED:
      return 'terminated';
    default:
      return 'exit';
  }
}
