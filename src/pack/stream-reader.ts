// Reads exact byte counts from an async stream of chunks, refusing to take in more than a byte cap (a decompression-bomb guard).

export class ByteCapExceeded extends Error {
  constructor(readonly cap: number) {
    super(`more than ${cap} bytes`);
    this.name = 'ByteCapExceeded';
  }
}

export class StreamReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes taken from the source so far. */
  received = 0;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly cap: number,
  ) {}

  private async fill(wanted: number): Promise<void> {
    while (this.buffered < wanted && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      this.received += next.value.length;
      if (this.received > this.cap) throw new ByteCapExceeded(this.cap);
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
  }

  private take(count: number): Buffer {
    const joined = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = joined.subarray(0, count);
    const rest = joined.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Exactly `count` bytes, or null if the stream ends first (`partial` tells whether any were left). */
  async read(count: number): Promise<{ bytes: Buffer } | { bytes: null; partial: boolean }> {
    await this.fill(count);
    if (this.buffered < count) return { bytes: null, partial: this.buffered > 0 };
    return { bytes: Buffer.from(this.take(count)) };
  }

  /** Hands `count` bytes to `sink` chunk by chunk without holding them all; false if the stream ended first. */
  async forward(count: number, sink: (chunk: Buffer) => Promise<void>): Promise<boolean> {
    let left = count;
    while (left > 0) {
      if (this.buffered === 0) await this.fill(1);
      if (this.buffered === 0) return false;
      const piece = this.take(Math.min(left, this.buffered));
      await sink(piece);
      left -= piece.length;
    }
    return true;
  }

  async skip(count: number): Promise<boolean> {
    return this.forward(count, async () => {});
  }
}
