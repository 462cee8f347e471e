// A stand-in for weft-appd's per-session IPC socket: a Unix stream server that collects lines and can send them.
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server, type Socket } from 'node:net';

export interface IpcServer {
  path: string;
  lines: string[];
  /** The runtime's connection, once it has connected. */
  peer(): Socket | null;
  send(line: string): void;
  /** Resolves when at least `count` lines have arrived. */
  waitLines(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves when the runtime connects. */
  connected(): Promise<Socket>;
  close(): Promise<void>;
}

export interface IpcServerOptions {
  /** Read nothing from the runtime until the test calls `peer().resume()` (a weft-appd that is slow to read). */
  pauseOnConnect?: boolean;
}

export async function startIpcServer(path: string, options: IpcServerOptions = {}): Promise<IpcServer> {
  const lines: string[] = [];
  let peer: Socket | null = null;
  const onConnect: ((socket: Socket) => void)[] = [];
  const server: Server = createServer({ pauseOnConnect: options.pauseOnConnect ?? false }, (socket) => {
    peer = socket;
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    socket.on('error', () => {});
    for (const callback of onConnect.splice(0)) callback(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    lines,
    peer: () => peer,
    send(line) {
      if (!peer) throw new Error('the runtime has not connected');
      peer.write(`${line}\n`);
    },
    async waitLines(count, timeoutMs = 10_000) {
      const started = Date.now();
      while (lines.length < count) {
        if (Date.now() - started > timeoutMs) throw new Error(`only ${lines.length} of ${count} IPC lines after ${timeoutMs} ms: ${JSON.stringify(lines)}`);
        await sleep(10);
      }
      return lines;
    },
    connected() {
      return peer ? Promise.resolve(peer) : new Promise((resolve) => onConnect.push(resolve));
    },
    close() {
      peer?.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
