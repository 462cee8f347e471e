// A session's recent output lines in a bounded ring, with listeners that follow new lines (QUERY_LOG / FOLLOW_LOG).
import type { LogLine } from '../../protocol/messages.js';

/** Lines kept per session: enough for a look at what just happened; at most ~400 KiB with 4 KiB lines. */
export const LOG_RING_LINES = 100;

export class LineRing {
  private readonly lines: LogLine[] = [];
  private readonly listeners = new Set<(line: LogLine) => void>();

  constructor(private readonly capacity = LOG_RING_LINES) {}

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
    for (const listener of this.listeners) listener(line);
  }

  snapshot(): LogLine[] {
    return [...this.lines];
  }

  /** Calls `listener` with every new line until the returned function is called. */
  follow(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
