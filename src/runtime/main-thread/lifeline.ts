// Ties the runtime's life to its parent: stdin EOF (the parent-death pipe), a changed parent pid, and SIGTERM/SIGINT/SIGHUP.
import { fstatSync } from 'node:fs';
import { EXIT } from '../../protocol/runtime-exit.js';

export type EndSession = (code: number, reason: string | null) => void;

export interface Lifeline {
  /** The first line on stdin (standby mode reads its session argv from it). */
  firstLine(): Promise<string>;
}

const PARENT_POLL_MS = 500;

function stdinIsPipe(): boolean {
  try {
    const info = fstatSync(0);
    return info.isFIFO() || info.isSocket();
  } catch {
    return false; // stdin closed at spawn: nothing to watch
  }
}

/**
 * weft-appd spawns the runtime with stdin as a pipe it keeps open and never writes to (after the
 * standby line); EOF means the parent died, so the session ends at once, with no orphan left
 * behind. A stdin that is not a pipe (a terminal, /dev/null) is not watched: EOF there means
 * nothing. The parent pid is polled as well, for parents that gave no pipe.
 */
export function watchLifeline(end: EndSession): Lifeline {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) end(EXIT.PARENT_GONE, `the parent process (pid ${parent}) is gone`);
  }, PARENT_POLL_MS).unref();

  process.on('SIGTERM', () => end(EXIT.TERMINATED, null));
  process.on('SIGINT', () => end(EXIT.INTERRUPTED, null));
  process.on('SIGHUP', () => end(EXIT.PARENT_GONE, 'SIGHUP: the parent is gone'));

  const watchEof = stdinIsPipe();
  // Stdin is read as a byte stream: the standby line (which may arrive before anyone asks for
  // it), then nothing but EOF.
  let buffered = '';
  let lineTaken = false;
  let stdinEnded = false;
  let lineWaiter: { resolve(line: string): void; reject(error: Error): void } | null = null;
  let reading = false;

  const deliverLine = (): void => {
    if (!lineWaiter) return;
    const newline = buffered.indexOf('\n');
    if (newline >= 0) {
      lineTaken = true;
      lineWaiter.resolve(buffered.slice(0, newline));
      lineWaiter = null;
      buffered = '';
    } else if (stdinEnded) {
      lineWaiter.reject(new Error('stdin closed before the session line arrived'));
      lineWaiter = null;
    }
  };
  const startReading = (): void => {
    if (reading) return;
    reading = true;
    process.stdin.on('data', (chunk: Buffer) => {
      if (lineTaken) return; // after the standby line, stdin carries nothing but its EOF
      buffered += chunk.toString('utf8');
      deliverLine();
    });
    const onEnd = (): void => {
      stdinEnded = true;
      deliverLine();
      if (watchEof) end(EXIT.PARENT_GONE, 'stdin closed: the parent (weft-appd) is gone');
    };
    process.stdin.on('end', onEnd);
    process.stdin.on('error', onEnd);
  };
  if (watchEof) startReading();

  return {
    firstLine() {
      return new Promise((resolve, reject) => {
        lineWaiter = { resolve, reject };
        startReading(); // stdin that is not a pipe (a file, say) is read only for this line
        deliverLine();
      });
    },
  };
}
