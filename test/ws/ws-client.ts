// A WebSocket test client speaking weft's JSON frames: sends requests, collects every message, waits for the ones a test needs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitFor, type TestEnv } from '../appd/harness.js';

export type Message = Record<string, unknown> & { type: string };

/**
 * A file appd writes once its WebSocket endpoint is up, which is just after its Unix socket
 * answers: waits (up to 10 s) for it to appear, so a busy machine cannot make the read race appd.
 */
export function readWhenPresent(path: string): string {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const text = readFileSync(path, 'utf8');
      if (text.length > 0) return text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`${path} stayed empty for 10 s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}

export function wsPort(t: TestEnv): number {
  return Number(readWhenPresent(join(t.runtimeDir, 'appd.wsport')));
}

export function wsToken(t: TestEnv): string {
  return readWhenPresent(join(t.runtimeDir, 'appd.wstoken'));
}

export class WsClient {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
    socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  /** Opens a connection; rejects with the HTTP status and body of a refused handshake. */
  static open(port: number, headers: Record<string, string> = {}, host = `127.0.0.1:${port}`): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/appd`, { headers: { host, ...headers } });
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => reject(new Refused(res.statusCode ?? 0, body)));
      });
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (from `from` on) matching `match`. */
  async next(match: (m: Message) => boolean, what: string, from = 0, timeoutMs = 10_000): Promise<Message> {
    return waitFor(() => this.messages.slice(from).find(match), timeoutMs, what);
  }

  /** Sends `message` and returns the next non-event message (answers come in request order). */
  async request(message: unknown): Promise<Message> {
    const answered = this.messages.filter((m) => m.event !== true).length;
    this.send(message);
    await waitFor(() => this.messages.filter((m) => m.event !== true).length > answered, 10_000, `an answer to ${JSON.stringify(message).slice(0, 80)}`);
    return this.messages.filter((m) => m.event !== true)[answered] as Message;
  }

  close(): void {
    this.socket.terminate();
  }
}

export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake refused with ${status}: ${body}`);
  }
}

/** The refusal a handshake ended with (fails the test if it was accepted). */
export async function refusal(opening: Promise<WsClient>): Promise<Refused> {
  try {
    const client = await opening;
    client.close();
  } catch (error) {
    if (error instanceof Refused) return error;
    throw error;
  }
  throw new Error('the handshake was accepted');
}
