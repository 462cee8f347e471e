// Raw WebSocket bytes for fuzzing: an upgrade request, hand-built frames (any opcode, flags, mask, length) and a socket that records what comes back.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A valid client upgrade request for 127.0.0.1:`port` (extra header lines appended as given). */
export function upgradeRequest(port: number, extra = ''): string {
  return `GET /appd HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload: Uint8Array;
  /** Clients must mask; false sends an unmasked frame (a protocol error). */
  masked?: boolean;
  /** Claim this length instead of the payload's (a lying header). */
  claimedLength?: bigint;
}

/** Encodes one frame exactly as specified, including the broken variants. */
export function wsFrame(spec: FrameSpec): Buffer {
  const masked = spec.masked ?? true;
  const length = spec.claimedLength ?? BigInt(spec.payload.byteLength);
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65_536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  const key = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(spec.payload);
  if (masked) for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** A TCP connection that records everything the daemon sends and when it closed. */
export class RawWs {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.received.length < 1 << 20) this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawWs(socket)));
      socket.once('error', reject);
    });
  }

  /** Opens and completes a valid handshake; resolves once the 101 arrived. */
  static async upgraded(port: number): Promise<RawWs> {
    const raw = await RawWs.open(port);
    raw.socket.write(upgradeRequest(port));
    await raw.until(() => raw.received.includes('\r\n\r\n'), 5000);
    if (!raw.received.toString('latin1').startsWith('HTTP/1.1 101')) throw new Error(`handshake failed: ${raw.received.toString('latin1').slice(0, 200)}`);
    raw.received = raw.received.subarray(raw.received.indexOf('\r\n\r\n') + 4);
    return raw;
  }

  write(bytes: Uint8Array | string): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  async until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** The frames the daemon sent so far, whole ones only (server frames are unmasked; ws sends them unfragmented). */
  private *frames(): Generator<{ opcode: number; payload: Buffer }> {
    let at = 0;
    const b = this.received;
    while (at + 2 <= b.length) {
      const opcode = (b[at] as number) & 0x0f;
      let length = (b[at + 1] as number) & 0x7f;
      let header = 2;
      if (length === 126) {
        length = b.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        length = Number(b.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (at + header + length > b.length) return;
      yield { opcode, payload: b.subarray(at + header, at + header + length) };
      at += header + length;
    }
  }

  /** The close code of the first close frame the daemon sent, if any. */
  closeCode(): number | null {
    for (const { opcode, payload } of this.frames()) if (opcode === 0x8) return payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    return null;
  }

  /** Text frames the daemon sent, decoded. */
  texts(): string[] {
    return [...this.frames()].filter((frame) => frame.opcode === 0x1).map((frame) => frame.payload.toString('utf8'));
  }

  close(): void {
    this.socket.destroy();
  }
}
