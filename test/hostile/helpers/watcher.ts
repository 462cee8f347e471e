// A subscribed client that records every pushed event, so a test can wait for one that may already have arrived.
import type { AppdClient } from '../../../src/protocol/client.js';
import type { Request, Response } from '../../../src/protocol/messages.js';

export type Event = Response & { event?: true };

/** The session an event is about, if any. */
export function sessionOf(e: Event): number | undefined {
  return (e as { session_id?: number }).session_id;
}

export class Watcher {
  readonly events: Event[] = [];
  private waiters: Array<{ match: (e: Event) => boolean; resolve: (e: Event) => void }> = [];

  private constructor(readonly client: AppdClient) {
    client.on('event', (event: Event) => {
      this.events.push(event);
      if (this.events.length > 50_000) this.events.splice(0, 25_000);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  static async open(connect: () => Promise<AppdClient>): Promise<Watcher> {
    const client = await connect();
    const watcher = new Watcher(client);
    const reply = await client.request({ type: 'SUBSCRIBE' });
    if (reply.type !== 'SUBSCRIBED') throw new Error(`SUBSCRIBE answered ${JSON.stringify(reply)}`);
    return watcher;
  }

  request(request: Request): Promise<Response> {
    return this.client.request(request);
  }

  /** The first event (already seen or still to come) matching `match`; rejects after timeoutMs. */
  waitFor(what: string, match: (e: Event) => boolean, timeoutMs = 30_000): Promise<Event> {
    const seen = this.events.find(match);
    return seen ? Promise.resolve(seen) : this.next(what, match, timeoutMs);
  }

  /** Launches `appId` and returns its session id (after LAUNCH_ACK; READY is not awaited). */
  async launch(appId: string): Promise<number> {
    const reply = await this.client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
    if (reply.type !== 'LAUNCH_ACK') throw new Error(`LAUNCH_APP ${appId} answered ${JSON.stringify(reply)}`);
    return reply.session_id;
  }

  async launchReady(appId: string, timeoutMs = 30_000): Promise<number> {
    const id = await this.launch(appId);
    const seen = await this.waitFor(
      `APP_READY for session ${id} (${appId})`,
      (e) => sessionOf(e) === id && (e.type === 'APP_READY' || (e.type === 'APP_STATE' && e.state === 'stopped')),
      timeoutMs,
    );
    if (seen.type !== 'APP_READY') throw new Error(`session ${id} (${appId}) stopped before READY: ${JSON.stringify(seen)}`);
    return id;
  }

  /** Waits for the final `stopped` event of a session (one without restart_in_ms). */
  stopped(sessionId: number, timeoutMs = 30_000): Promise<Event> {
    return this.waitFor(
      `stopped event for session ${sessionId}`,
      (e) => e.type === 'APP_STATE' && e.session_id === sessionId && e.state === 'stopped' && e.restart_in_ms === undefined,
      timeoutMs,
    );
  }

  /** The next event matching `match` that arrives from now on (past events are ignored). */
  next(what: string, match: (e: Event) => boolean, timeoutMs = 30_000): Promise<Event> {
    const promise = new Promise<Event>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (e: Event) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ match, resolve: done });
    });
    promise.catch(() => {});
    return promise;
  }

  /** Sends one IPC payload and waits for the app's next message on that session. */
  async ipc(sessionId: number, payload: string, timeoutMs = 15_000): Promise<string> {
    const reply = this.next(`IPC reply from session ${sessionId} to ${JSON.stringify(payload)}`, (e) => e.type === 'IPC_MESSAGE' && e.session_id === sessionId, timeoutMs);
    const ack = await this.client.request({ type: 'IPC_FORWARD', session_id: sessionId, payload });
    if (ack.type === 'ERROR') throw new Error(`IPC_FORWARD refused: ${ack.code} ${ack.message}`);
    return ((await reply) as { payload: string }).payload;
  }

  close(): void {
    this.client.close();
  }
}
