// Length-prefixed MessagePack framing: a 4-byte little-endian body length, then the body (WEFT's wire format).
import { Decoder, encode } from '@msgpack/msgpack';
import { findShapeProblem, REQUEST_SHAPE, type ShapeLimits } from './shape-guard.js';

/** WEFT's cap on one frame body. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export class FrameError extends Error {
  constructor(
    message: string,
    readonly code: 'frame-too-large' | 'bad-msgpack' | 'too-complex',
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Encodes one message as a length-prefixed frame. */
export function encodeFrame(message: unknown): Buffer {
  const body = encode(message);
  if (body.byteLength > MAX_FRAME_BYTES) {
    throw new FrameError(`frame body is ${body.byteLength} bytes; the limit is ${MAX_FRAME_BYTES}`, 'frame-too-large');
  }
  const frame = Buffer.allocUnsafe(4 + body.byteLength);
  frame.writeUInt32LE(body.byteLength, 0);
  frame.set(body, 4);
  return frame;
}

/** A decoder whose own length limits back up the shape guard, which runs first. */
function limitedDecoder(limits: ShapeLimits): Decoder {
  const maxValues = Math.min(limits.maxValues, MAX_FRAME_BYTES);
  return new Decoder({ maxArrayLength: maxValues, maxMapLength: maxValues, maxStrLength: MAX_FRAME_BYTES, maxBinLength: MAX_FRAME_BYTES, maxExtLength: MAX_FRAME_BYTES });
}

/** Decodes one frame body, refusing bodies whose decoded form would dwarf their size. */
function decodeBody(body: Uint8Array, limits: ShapeLimits, decoder: Decoder): DecodedFrame {
  const problem = findShapeProblem(body, limits);
  if (problem) return { ok: false, error: new FrameError(`frame body refused before decoding: ${problem}`, 'too-complex'), fatal: false };
  try {
    return { ok: true, value: decoder.decode(body) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: new FrameError(`frame body is not valid MessagePack: ${reason}`, 'bad-msgpack'), fatal: false };
  }
}

export type DecodedFrame =
  | { ok: true; value: unknown }
  | { ok: false; error: FrameError; fatal: false }
  | { ok: false; error: FrameError; fatal: true };

/**
 * Incremental decoder: feed it socket chunks, get whole frames back. Bad MessagePack in a
 * well-framed body is reported per frame and the stream stays usable. A length over the cap
 * leaves no way to find the next frame: it comes back as a last, `fatal` entry after every frame
 * that preceded it (those deserve their answers), and the decoder accepts nothing more.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private broken: FrameError | null = null;
  private readonly decoder: Decoder;

  /** `limits`: what one body may hold (requests by default; clients reading appd's responses pass RESPONSE_SHAPE). */
  constructor(private readonly limits: ShapeLimits = REQUEST_SHAPE) {
    this.decoder = limitedDecoder(limits);
  }

  /** Returns the frames completed by this chunk, the last one `fatal` if the stream broke. */
  push(chunk: Buffer): DecodedFrame[] {
    if (this.broken) return [{ ok: false, error: this.broken, fatal: true }];
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const frames: DecodedFrame[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32LE(0);
      if (length > MAX_FRAME_BYTES) {
        this.broken = new FrameError(`frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte limit`, 'frame-too-large');
        this.chunks = [];
        this.buffered = 0;
        frames.push({ ok: false, error: this.broken, fatal: true });
        break;
      }
      if (this.buffered < 4 + length) break;
      const whole = this.take(4 + length);
      frames.push(decodeBody(whole.subarray(4), this.limits, this.decoder));
    }
    return frames;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).byteLength < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] as Buffer;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.byteLength > 0 ? [rest] : [];
    this.buffered = rest.byteLength;
    return out;
  }
}
