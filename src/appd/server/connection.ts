// One client connection: decodes frames, answers requests one at a time in order, and streams events once subscribed.
import type { Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { encodeFrame, FrameDecoder } from '../../protocol/frame.js';
import { ErrorCode, parseRequest, responseToWire, type Request, type Response } from '../../protocol/messages.js';
import type { PendingBudget } from './pending-budget.js';
import { fitsUnreadCap, RequestQueue } from './request-queue.js';

/** How a connection holds its frames to time: a started frame must complete within `frameDeadlineMs`; half-frames across all clients share `budget`. */
export interface FrameLimits {
  frameDeadlineMs: number;
  budget: PendingBudget;
}

export type RequestHandler = (request: Request, connection: ClientConnection) => Promise<Response>;

/** Per queued item: the client's encoding, and `hangUp`: after this answer the connection is closed (a broken length prefix). */
interface WorkExtra {
  compact: boolean;
  hangUp?: boolean;
}

export class ClientConnection {
  subscribed = false;
  private readonly decoder = new FrameDecoder();
  private readonly queue: RequestQueue<WorkExtra>;
  private closed = false;
  /** A broken frame arrived: answer what came before it, then close; read nothing more. */
  private hangingUp = false;
  /** Runs while a frame is half received. */
  private frameTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handle: RequestHandler,
    /** Bytes appd lets pile up unread in this client's socket before it drops the client. */
    private readonly maxUnreadBytes: number,
    private readonly frames: FrameLimits,
    private readonly log: Logger,
    onClose: (connection: ClientConnection) => void,
  ) {
    this.queue = new RequestQueue<WorkExtra>({
      handle: (request) => this.handle(request, this),
      answer: (response, work) => this.answer(response, work),
      reading: { pause: () => socket.pause(), resume: () => socket.resume(), paused: () => socket.isPaused(), mayResume: () => !this.hangingUp },
      closed: () => this.closed,
      log,
      logFields: { client: id },
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') log.debug({ err: error.message }, 'client socket error');
    });
    socket.on('close', () => {
      this.closed = true;
      this.clearFrameTimer();
      frames.budget.release(this);
      onClose(this);
    });
  }

  /** Pushes an event (always a map with `event: true`, whatever encoding the client uses). */
  sendEvent(event: Response): void {
    this.write({ ...event, event: true });
  }

  close(): void {
    this.closed = true;
    this.clearFrameTimer();
    this.frames.budget.release(this);
    this.socket.destroy();
  }

  private clearFrameTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }

  /** Drops a client that breaks a frame limit; the daemon goes on serving everyone else. */
  private drop(why: string, fields: Record<string, unknown>): void {
    this.log.warn({ client: this.id, ...fields }, `dropping a client: ${why}`);
    this.close();
  }

  /** After each chunk: a half frame starts the deadline (once) and counts against the shared budget. */
  private holdPending(): void {
    const pending = this.decoder.pendingBytes;
    if (!this.frames.budget.hold(this, pending)) {
      this.drop('half-received frames across all clients passed the cap', { pending_bytes: pending, cap_bytes: this.frames.budget.maxBytes });
      return;
    }
    if (pending === 0) {
      this.clearFrameTimer();
      return;
    }
    this.frameTimer ??= setTimeout(() => {
      this.frameTimer = null;
      if (this.decoder.pendingBytes > 0) this.drop(`a frame did not complete within ${this.frames.frameDeadlineMs} ms`, { pending_bytes: this.decoder.pendingBytes });
    }, this.frames.frameDeadlineMs);
  }

  /** Runs `cleanup` once the connection has closed (at once if it already has). */
  whenClosed(cleanup: () => void): void {
    if (this.closed || this.socket.destroyed) cleanup();
    else this.socket.once('close', cleanup);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.hangingUp) return;
    const frames = this.decoder.push(chunk);
    this.holdPending();
    if (this.closed) return;
    for (const frame of frames) {
      if (!frame.ok && frame.fatal) {
        // A bad length prefix leaves no way to find the next frame: the frames before it are
        // answered in order, then this one, then the connection is closed.
        this.log.warn({ client: this.id, err: frame.error.message }, 'closing a client that sent a broken frame');
        this.hangingUp = true;
        this.socket.pause();
        const response: Response = { type: 'ERROR', code: ErrorCode.payloadTooLarge, message: `${frame.error.message}; closing the connection` };
        this.queue.push({ response, compact: false, hangUp: true });
        break;
      }
      if (!frame.ok) {
        this.queue.push({ response: { type: 'ERROR', code: ErrorCode.badRequest, message: frame.error.message }, compact: false });
        continue;
      }
      const parsed = parseRequest(frame.value);
      this.queue.push(parsed.ok ? { request: parsed.request, compact: parsed.compact } : { response: { type: 'ERROR', code: parsed.code, message: parsed.message }, compact: parsed.compact });
    }
    void this.queue.drain();
  }

  /** Sends one queued item's answer; true when the connection ends after it. */
  private answer(response: Response, work: WorkExtra): boolean {
    this.respond(response, work.compact);
    if (work.hangUp) {
      this.closed = true;
      this.socket.end();
      return true;
    }
    // Events start after the SUBSCRIBED reply, never before it.
    if (response.type === 'SUBSCRIBED') this.subscribed = true;
    return false;
  }

  private respond(response: Response, compact: boolean): void {
    try {
      this.write(responseToWire(response, compact), true);
    } catch (error) {
      // Only a response over the frame limit gets here (e.g. a huge installed-apps list).
      this.write(responseToWire({ type: 'ERROR', code: ErrorCode.payloadTooLarge, message: (error as Error).message }, compact));
    }
  }

  /** Writes one frame; drops the client if it has stopped reading (its unread data passed the cap). */
  private write(message: unknown, rethrowEncodeError = false): void {
    if (this.closed || this.socket.destroyed) return;
    let frame: Buffer;
    try {
      frame = encodeFrame(message);
    } catch (error) {
      if (rethrowEncodeError) throw error;
      this.log.error({ client: this.id, err: (error as Error).message }, 'cannot encode a message for a client');
      return;
    }
    if (!fitsUnreadCap(this.socket.writableLength, frame.byteLength, this.maxUnreadBytes, this.log, { client: this.id }, 'client')) {
      this.close();
      return;
    }
    this.socket.write(frame);
  }
}
