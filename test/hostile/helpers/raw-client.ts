// A raw socket to the daemon: writes arbitrary bytes, decodes whatever comes back, and reports how the connection ended.
import { createConnection, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/protocol/frame.js';
import { parseResponse, type Response } from '../../../src/protocol/messages.js';
import { RESPONSE_SHAPE } from '../../../src/protocol/shape-guard.js';

export interface Reply {
  /** Parsed as a response (either encoding); null when it parses as nothing. */
  response: Response | null;
  raw: unknown;
  /** Pushed events carry `event: true` and are not replies. */
  event: boolean;
}

export class RawClient {
  readonly replies: Reply[] = [];
  closed = false;
  error: string | null = null;
  private readonly decoder = new FrameDecoder(RESPONSE_SHAPE);
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk)) {
          const raw = frame.ok ? frame.value : frame.error;
          let response: Response | null = null;
          try {
            response = frame.ok ? parseResponse(frame.value) : null;
          } catch {
            response = null;
          }
          const event = raw !== null && typeof raw === 'object' && (raw as { event?: unknown }).event === true;
          this.replies.push({ response, raw, event });
        }
      } catch (error) {
        this.error = `undecodable stream from the daemon: ${(error as Error).message}`;
        socket.destroy();
      }
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') this.error ??= error.message;
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(path: string, timeoutMs = 10_000): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${path} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Replies that are answers to requests (not pushed events). */
  get answers(): Reply[] {
    return this.replies.filter((r) => !r.event);
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Stops reading: whatever the daemon sends piles up in the kernel, then in the daemon. */
  pause(): void {
    this.socket.pause();
  }

  /** Half-closes our side: no more bytes from us. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits until `done()` holds or the connection closes; false on timeout. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (done()) return finish(true);
        if (this.closed) return finish(done());
      };
      const timer = setTimeout(() => finish(done()), timeoutMs);
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(value);
      };
      this.waiters.push(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
