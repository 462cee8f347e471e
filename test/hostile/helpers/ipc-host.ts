// Plays weft-appd's side of a session's IPC socket for a runtime started directly: listen, accept, send lines, read replies.
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

export class IpcHost {
  private socket: Socket | null = null;
  private readonly lines: string[] = [];
  private waiters: Array<(line: string) => void> = [];
  private connectedWaiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('error', () => {});
      createInterface({ input: socket }).on('line', (line) => {
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      });
      for (const w of this.connectedWaiters.splice(0)) w();
    });
  }

  static listen(path: string): Promise<IpcHost> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(path, () => resolve(new IpcHost(server)));
    });
  }

  connected(timeoutMs = 30_000): Promise<void> {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the runtime never connected to the IPC socket')), timeoutMs);
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends one message and resolves with the app's next line. */
  async ask(line: string, timeoutMs = 30_000): Promise<string> {
    await this.connected(timeoutMs);
    this.lines.length = 0;
    this.socket!.write(`${line}\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no IPC reply to ${JSON.stringify(line)}`)), timeoutMs);
      this.waiters.push((got) => {
        clearTimeout(timer);
        resolve(got);
      });
    });
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
  }
}
