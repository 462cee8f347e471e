// A session's IPC relay: appd listens on ipc-<session>.sock, the runtime connects, and newline-delimited messages flow both ways.
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ipcSocketPath } from '../../config/paths.js';
import { ErrorCode } from '../../protocol/messages.js';
import { listen } from '../server/listen.js';
import { listeningUnixPaths, socketFileState } from './ipc-sockets.js';
import { LineReader } from './lines.js';

/** How many alternative names (`ipc-<session>-<n>.sock`) to try when WEFT's name is taken. */
const MAX_NAME_ATTEMPTS = 16;

/** One IPC message from the app may be at most this long; longer lines arrive cut into pieces. */
export const MAX_IPC_LINE_BYTES = 1024 * 1024;

export type ForwardResult = { ok: true } | { ok: false; code: number; message: string };

export interface RelayOptions {
  sessionId: number;
  /** Bytes appd holds for the app (queued before it connects, or unread in the socket) before refusing more. */
  maxBufferedBytes: number;
  onMessage: (payload: string) => void;
}

export class IpcRelay {
  private connection: Socket | null = null;
  /** Messages forwarded before the runtime connected (or while it restarts). */
  private queue: string[] = [];
  private queuedBytes = 0;

  private constructor(
    readonly path: string,
    private readonly server: Server,
    private readonly options: RelayOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Listens in `dir` at WEFT's `ipc-<session>.sock`, readable and writable by this user only. A
   * stale socket file there (a killed appd's) is replaced. Something live there (another appd
   * sharing the directory), or a file that is not our socket, is left alone, and the relay takes
   * `ipc-<session>-<n>.sock` instead: the runtime is told the path, so any name works, and a
   * launch never fails because a file is in the way.
   */
  static async open(dir: string, options: RelayOptions): Promise<IpcRelay> {
    // /proc/net/unix is read only if a socket file is in the way, and once per pass.
    let listening: Promise<Set<string> | null> | undefined;
    const live = () => (listening ??= listeningUnixPaths());
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const path = attempt === 0 ? ipcSocketPath(options.sessionId, dir) : join(dir, `ipc-${options.sessionId}-${attempt}.sock`);
      const state = await socketFileState(path, live);
      if (state === 'busy') continue;
      if (state === 'stale' && !(await unlink(path).then(() => true, () => false))) continue;
      try {
        return new IpcRelay(path, await listenPrivately(path), options);
      } catch (error) {
        // Taken between the check and the bind: try the next name. Anything else is real.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        lastError = error as Error;
        listening = undefined;
      }
    }
    throw new Error(`no free IPC socket name for session ${options.sessionId} in ${dir}${lastError ? ` (${lastError.message})` : ''}`);
  }

  /** Sends one message to the app, refusing (instead of buffering more) when the app is not reading. */
  forward(payload: string): ForwardResult {
    if (payload.includes('\n')) {
      return { ok: false, code: ErrorCode.badRequest, message: 'IPC_FORWARD.payload contains a newline; IPC messages are newline-delimited, so send one line per message' };
    }
    const bytes = Buffer.byteLength(payload) + 1;
    if (bytes > MAX_IPC_LINE_BYTES) {
      return { ok: false, code: ErrorCode.payloadTooLarge, message: `IPC_FORWARD.payload is ${bytes - 1} bytes; the limit is ${MAX_IPC_LINE_BYTES - 1}` };
    }
    const buffered = this.connection ? this.connection.writableLength : this.queuedBytes;
    if (buffered + bytes > this.options.maxBufferedBytes) {
      const where = this.connection ? 'unread by the app' : 'queued until the app connects';
      return {
        ok: false,
        code: ErrorCode.ipcBackpressure,
        message: `session ${this.options.sessionId} is not keeping up: ${buffered} bytes already ${where} (limit ${this.options.maxBufferedBytes}); retry after it reads them`,
      };
    }
    if (this.connection) {
      this.connection.write(`${payload}\n`);
    } else {
      this.queue.push(payload);
      this.queuedBytes += bytes;
    }
    return { ok: true };
  }

  /** Stops listening, drops the connection and removes the socket file. */
  async close(): Promise<void> {
    this.connection?.destroy();
    this.connection = null;
    this.queue = [];
    this.queuedBytes = 0;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await unlink(this.path).catch(() => {});
  }

  private accept(socket: Socket): void {
    // One runtime per session; a new connection (the restarted runtime) replaces the old one.
    this.connection?.destroy();
    this.connection = socket;
    socket.on('error', () => {});
    const lines = new LineReader(socket, MAX_IPC_LINE_BYTES);
    lines.on('line', (line: string) => {
      if (this.connection === socket) this.options.onMessage(line);
    });
    socket.on('close', () => {
      if (this.connection === socket) this.connection = null;
    });
    for (const payload of this.queue) socket.write(`${payload}\n`);
    this.queue = [];
    this.queuedBytes = 0;
  }
}

/** Binds and listens at `path` with mode 0600; on any failure nothing is left listening and no file is left behind. */
async function listenPrivately(path: string): Promise<Server> {
  const server = createServer();
  // umask makes the socket 0600 from the start; chmod below covers filesystems that ignore it.
  await listen(server, { path }, 0o177);
  try {
    await chmod(path, 0o600);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(path).catch(() => {});
    throw error;
  }
  return server;
}
