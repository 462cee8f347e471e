// A client for the daemon socket: ordered request/response, plus the event stream after SUBSCRIBE.
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from './frame.js';
import { parseResponse, type Request, type Response } from './messages.js';
import { RESPONSE_SHAPE } from './shape-guard.js';

export class DaemonUnavailableError extends Error {
  constructor(
    readonly socketPath: string,
    reason: string,
  ) {
    super(`weft-appd is not running at ${socketPath} (${reason}); start it with \`weft-appd\` or \`systemctl --user start weft-appd\``);
    this.name = 'DaemonUnavailableError';
  }
}

interface Pending {
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
}

/**
 * Events: `event` (Response) for every pushed event on a subscribed connection, `close`.
 * Pushed events are maps carrying `event: true`; responses never carry it.
 */
export class AppdClient extends EventEmitter {
  private readonly pending: Pending[] = [];
  private readonly decoder = new FrameDecoder(RESPONSE_SHAPE);
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose(new Error('the daemon closed the connection')));
    socket.on('error', (error) => this.onClose(error));
  }

  static connect(socketPath: string, timeoutMs = 5000): Promise<AppdClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DaemonUnavailableError(socketPath, `no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new AppdClient(socket));
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new DaemonUnavailableError(socketPath, error.code ?? error.message));
      });
    });
  }

  /** Sends one request and resolves with its response (responses come back in request order). */
  request(request: Request): Promise<Response> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeFrame(request));
    });
  }

  /** Resolves with the first pushed event that matches, or rejects after timeoutMs. */
  waitForEvent(match: (event: Response) => boolean, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const onEvent = (event: Response) => {
        if (!match(event)) return;
        cleanup();
        resolve(event);
      };
      const onClose = () => {
        cleanup();
        reject(this.closedError ?? new Error('connection closed'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('event', onEvent);
        this.off('close', onClose);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (!frame.ok && frame.fatal) {
        this.socket.destroy(frame.error);
        return;
      }
      if (!frame.ok) continue;
      let message: Response;
      try {
        message = parseResponse(frame.value);
      } catch {
        continue;
      }
      if ((message as { event?: unknown }).event === true) {
        this.emit('event', message);
      } else {
        this.pending.shift()?.resolve(message);
      }
    }
  }

  private onClose(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const pending of this.pending.splice(0)) pending.reject(error);
    this.emit('close');
  }
}
