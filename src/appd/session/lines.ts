// Splits a child's output stream into text lines, capping line length so a child cannot make appd buffer without bound.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

/** WEFT's cap on one line of child output; a longer run of bytes is cut into lines of this size. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Events: `line` (string, without the newline and a trailing `\r`), `end`. Listeners can be
 * swapped at any time (the standby pool hands a warm runtime's stream to a session this way);
 * a line is delivered to whoever listens when it completes.
 */
export class LineReader extends EventEmitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;

  constructor(
    stream: Readable,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    super();
    stream.on('data', (chunk: Buffer) => this.push(chunk));
    stream.on('end', () => this.finish());
    stream.on('error', () => this.finish());
  }

  private push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      this.take(chunk.subarray(start, newline));
      this.flushLine();
      start = newline + 1;
    }
    if (start < chunk.byteLength) this.take(chunk.subarray(start));
  }

  /** Buffers part of a line, cutting it whenever it reaches the cap. */
  private take(part: Buffer): void {
    let rest = part;
    while (this.pendingBytes + rest.byteLength > this.maxLineBytes) {
      const room = this.maxLineBytes - this.pendingBytes;
      this.pending.push(rest.subarray(0, room));
      this.pendingBytes += room;
      this.flushLine();
      rest = rest.subarray(room);
    }
    if (rest.byteLength > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.byteLength;
    }
  }

  private flushLine(): void {
    const text = Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.emit('line', text.endsWith('\r') ? text.slice(0, -1) : text);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendingBytes > 0) this.flushLine();
    this.emit('end');
  }
}
