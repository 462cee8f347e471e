// The runtime contract's control channel: typed messages weft-runtime sends weft-appd on fd 3, out of the app's reach.
//
// The app writes fds 1 and 2 (WASI stdout/stderr); it has no way to name fd 3, so nothing it
// prints can become a state, an exit reason or a message. Each message is one JSON line.

/** The descriptor appd opens for control messages, and the flag that tells the runtime it is there. */
export const CONTROL_FD = 3;
export const CONTROL_FD_FLAG = '--control-fd';

/** One control line at most; a longer line is dropped by the reader (the runtime never writes one). */
export const MAX_CONTROL_LINE_BYTES = 64 * 1024;
/** Texts in a control message are cut to this many characters, backtraces to this many frames. */
export const MAX_CONTROL_TEXT = 4096;
/**
 * A `note` line is at most this long: PIPE_BUF on Linux, up to which one write to a pipe is
 * atomic (the Unix socket pair Node gives a child for a 'pipe' also queues such a write whole).
 * Both runtime threads write the channel (notes from either, `ready` from the wasm thread), so a
 * longer note could be split and another line land inside it, and appd would drop the mangled
 * line (and the `ready` in it).
 */
export const ATOMIC_CONTROL_LINE_BYTES = 4096;
export const MAX_BACKTRACE_FRAMES = 64;

/** How the run ended, as the runtime saw it; appd maps it to the ExitInfo reason clients see. */
export type OutcomeReason =
  | 'exit'
  | 'trap'
  | 'memory-limit'
  | 'load-failed'
  | 'usage'
  | 'internal'
  | 'parent-gone'
  | 'terminated'
  | 'interrupted';

const OUTCOME_REASONS: ReadonlySet<string> = new Set<OutcomeReason>([
  'exit',
  'trap',
  'memory-limit',
  'load-failed',
  'usage',
  'internal',
  'parent-gone',
  'terminated',
  'interrupted',
]);

export type ControlMessage =
  /** A standby runtime has preloaded and waits for its session line on stdin. */
  | { type: 'standby' }
  /** The app reported READY (or started, when it does not import weft:app/notify). */
  | { type: 'ready' }
  /** A runtime notice for the session's log (a slow on-the-fly transpile, a dropped message). */
  | { type: 'note'; message: string }
  /** How the run ends; sent once, just before the process exits with `code`. */
  | { type: 'outcome'; reason: OutcomeReason; code: number; message: string | null; backtrace: string[] };

function cut(text: string): string {
  return text.length > MAX_CONTROL_TEXT ? `${text.slice(0, MAX_CONTROL_TEXT)}…` : text;
}

/** A note's line, its text cut further until the line fits one atomic write. */
function noteLine(message: string): string {
  let text = cut(message);
  for (;;) {
    const line = `${JSON.stringify({ type: 'note', message: text })}\n`;
    const over = Buffer.byteLength(line) - ATOMIC_CONTROL_LINE_BYTES;
    if (over <= 0) return line;
    // Each character dropped takes at least one byte off the line; the ellipsis adds three.
    text = `${text.slice(0, Math.max(0, text.length - over - 4))}…`;
  }
}

/** One control line (with its newline), texts capped so the line stays under MAX_CONTROL_LINE_BYTES. */
export function encodeControl(message: ControlMessage): string {
  switch (message.type) {
    case 'note':
      return noteLine(message.message);
    case 'outcome':
      return `${JSON.stringify({
        type: 'outcome',
        reason: message.reason,
        code: message.code,
        message: message.message === null ? null : cut(message.message),
        backtrace: message.backtrace.slice(0, MAX_BACKTRACE_FRAMES).map((frame) => frame.slice(0, 512)),
      })}\n`;
    default:
      return `${JSON.stringify({ type: message.type })}\n`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The control message in one line, or null when the line is not one (appd logs and drops it). */
export function parseControl(line: string): ControlMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'standby':
    case 'ready':
      return { type: value.type };
    case 'note':
      return typeof value.message === 'string' ? { type: 'note', message: cut(value.message) } : null;
    case 'outcome': {
      const { reason, code, message, backtrace } = value;
      if (typeof reason !== 'string' || !OUTCOME_REASONS.has(reason)) return null;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255) return null;
      if (message !== null && typeof message !== 'string') return null;
      if (!Array.isArray(backtrace) || !backtrace.every((frame) => typeof frame === 'string')) return null;
      return {
        type: 'outcome',
        reason: reason as OutcomeReason,
        code,
        message: message === null ? null : cut(message),
        backtrace: (backtrace as string[]).slice(0, MAX_BACKTRACE_FRAMES),
      };
    }
    default:
      return null;
  }
}
