// weftctl's connection helper: connects to the daemon, buffers pushed events from the moment it subscribes, and turns ERROR replies into CtlError.
import { AppdClient } from '../protocol/client.js';
import type { Request, Response } from '../protocol/messages.js';

export class CtlError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CtlError';
  }
}

type Of<T extends Response['type']> = Extract<Response, { type: T }>;

export class CtlClient {
  private readonly events: Response[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(readonly client: AppdClient) {
    client.on('event', (event: Response) => {
      this.events.push(event);
      for (const wake of this.waiters) wake();
    });
    client.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters) wake();
    });
  }

  /** Throws DaemonUnavailableError (with how to start appd) when nothing listens. */
  static async connect(socketPath: string): Promise<CtlClient> {
    return new CtlClient(await AppdClient.connect(socketPath));
  }

  /** Sends a request and insists on a reply of type `expected`; an ERROR reply becomes a CtlError. */
  async call<T extends Response['type']>(request: Request, expected: T): Promise<Of<T>> {
    const response = await this.client.request(request);
    if (response.type === 'ERROR') throw new CtlError(`${response.message} (error ${response.code})`);
    if (response.type !== expected) throw new CtlError(`the daemon answered ${request.type} with ${response.type}, expected ${expected}`);
    return response as Of<T>;
  }

  /** Like call, but returns an ERROR reply instead of throwing it. */
  async callOrError<T extends Response['type']>(request: Request, expected: T): Promise<Of<T> | Of<'ERROR'>> {
    const response = await this.client.request(request);
    if (response.type === 'ERROR' || response.type === expected) return response as Of<T> | Of<'ERROR'>;
    throw new CtlError(`the daemon answered ${request.type} with ${response.type}, expected ${expected}`);
  }

  /** Starts the event stream; events are buffered from here on, so none is missed before a wait. */
  async subscribe(): Promise<void> {
    await this.call({ type: 'SUBSCRIBE' }, 'SUBSCRIBED');
  }

  /**
   * Resolves with the first buffered or future event for which `pick` returns a value; rejects
   * after timeoutMs or when the daemon closes the connection.
   */
  waitFor<T>(pick: (event: Response) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        while (this.events.length > 0) {
          const event = this.events.shift() as Response;
          const value = pick(event);
          if (value !== undefined) {
            done();
            resolve(value);
            return;
          }
        }
        if (this.closed) {
          done();
          reject(new CtlError(`the daemon closed the connection while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new CtlError(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Calls `onEvent` for every event until the connection closes. */
  stream(onEvent: (event: Response) => void): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        while (this.events.length > 0) onEvent(this.events.shift() as Response);
        if (this.closed) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.client.close();
  }
}
