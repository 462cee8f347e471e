// Factor weft:app/ipc: newline-delimited UTF-8 messages over the per-session Unix socket weft-appd listens on.
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { defineFactor, err, ok, type WitResult } from './factor.js';

/** Largest message either way, in UTF-8 bytes (without the newline). */
export const IPC_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Bytes sent by the app but not yet written to the socket, beyond which send() fails. */
export const IPC_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** After the app ended: how long weft-appd may read none of its queued messages before they are given up. */
export const IPC_SETTLE_STALL_MS = 10_000;
const SETTLE_CHECK_MS = 100;

/**
 * Resolves once the socket has handed every queued byte to the kernel (which delivers it after
 * the process exits), or has closed. A reader that is slow but reading is waited for however
 * long it takes (the backlog is bounded by IPC_MAX_BACKLOG_BYTES); one that reads nothing for
 * `stallMs` is given up on, with `warn` saying how much was lost.
 */
export function settleSocket(socket: Socket, stallMs: number, warn: (message: string) => void): Promise<void> {
  if (socket.destroyed || socket.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let queued = socket.writableLength;
    let stalledSince = Date.now();
    const done = (): void => {
      clearInterval(timer);
      socket.off('drain', check).off('close', done);
      resolve();
    };
    function check(): void {
      if (socket.destroyed || socket.writableLength === 0) return done();
      if (socket.writableLength < queued) {
        queued = socket.writableLength;
        stalledSince = Date.now();
      } else if (Date.now() - stalledSince >= stallMs) {
        warn(`ipc: ${socket.writableLength} bytes the app sent were not delivered: weft-appd read none of them for ${stallMs} ms`);
        done();
      }
    }
    const timer = setInterval(check, SETTLE_CHECK_MS);
    socket.on('drain', check).on('close', done);
  });
}

interface IpcConfig {
  connected: boolean;
  maxPayloadBytes: number;
  maxBacklogBytes: number;
  /** Int32[0]: bytes posted by the wasm thread and not yet flushed to the socket. */
  backlog: SharedArrayBuffer;
}

export const ipcFactor = defineFactor<IpcConfig>({
  name: 'ipc',
  grant: (_grants, session) => ({
    connected: session.ipcConnected,
    maxPayloadBytes: IPC_MAX_PAYLOAD_BYTES,
    maxBacklogBytes: IPC_MAX_BACKLOG_BYTES,
    backlog: new SharedArrayBuffer(4),
  }),

  host(config, context) {
    const backlog = new Int32Array(config.backlog);
    const socket = context.ipcSocket;
    if (socket) {
      const decoder = new StringDecoder('utf8');
      let partial = '';
      let discarding = false;
      socket.on('data', (chunk: Buffer) => {
        const lines = (partial + decoder.write(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (discarding) {
            discarding = false; // this line ends the oversized one
            continue;
          }
          context.deliver(line.endsWith('\r') ? line.slice(0, -1) : line);
        }
        if (Buffer.byteLength(partial) > config.maxPayloadBytes) {
          if (!discarding) context.warn(`ipc: dropped a message from weft-appd longer than ${config.maxPayloadBytes} bytes`);
          discarding = true;
          partial = '';
        }
      });
    }
    return {
      post(data) {
        const payload = data as string;
        const size = Buffer.byteLength(payload);
        if (!socket || socket.destroyed) {
          Atomics.sub(backlog, 0, size);
          return;
        }
        socket.write(`${payload}\n`, () => Atomics.sub(backlog, 0, size));
      },
      // Without this the process exited a fixed moment after the app, and a busy weft-appd lost
      // the app's last messages (send() had returned ok for them).
      settle: () => (socket ? settleSocket(socket, IPC_SETTLE_STALL_MS, context.warn) : Promise.resolve()),
    };
  },

  guest(config, context) {
    const backlog = new Int32Array(config.backlog);
    return {
      'weft:app/ipc': {
        send(payload: string): WitResult<undefined> {
          if (!config.connected) return err('no IPC channel: this session was started without --ipc-socket');
          if (payload.includes('\n')) return err('the payload contains a newline; IPC messages are single lines');
          const size = Buffer.byteLength(payload);
          if (size > config.maxPayloadBytes) return err(`the payload is ${size} bytes; the limit is ${config.maxPayloadBytes}`);
          if (Atomics.load(backlog, 0) + size > config.maxBacklogBytes) {
            return err(`weft-appd is not reading: ${Atomics.load(backlog, 0)} bytes of earlier messages are still queued`);
          }
          Atomics.add(backlog, 0, size);
          context.post('ipc', payload);
          return ok(undefined);
        },
        recv(): string | undefined {
          return context.receive('ipc') as string | undefined;
        },
      },
    };
  },
});
