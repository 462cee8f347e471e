// The in-order request queue both client connections use (Unix socket and WebSocket): one request handled at a time, back-pressure on the socket, and the drop of a client that stops reading.
import type { Logger } from '../../log/logger.js';
import { ErrorCode, type Request, type Response } from '../../protocol/messages.js';

/** Items waiting before the connection stops reading from its client (back-pressure); reading resumes below half. */
export const MAX_QUEUED_REQUESTS = 32;

/** A request to handle, or an answer decided already (a parse error, a refusal); `extra` is the connection's own per-item data. */
export type QueuedWork<Extra> = ({ request: Request } | { response: Response }) & Extra;

export interface RequestQueueOptions<Extra> {
  handle(request: Request): Promise<Response>;
  /** Sends the answer to one item; returns true when the connection ends after it (the rest of the queue is dropped). */
  answer(response: Response, work: QueuedWork<Extra>): boolean;
  /** The connection's socket: the queue pauses reading when full and resumes when it empties. */
  reading: { pause(): void; resume(): void; paused(): boolean; mayResume(): boolean };
  closed(): boolean;
  log: Logger;
  /** Names the client in log records, e.g. `{ client: 3 }`. */
  logFields: Record<string, unknown>;
}

/** Handles queued work strictly one item at a time, so answers leave in request order. */
export class RequestQueue<Extra> {
  private readonly items: QueuedWork<Extra>[] = [];
  private busy = false;

  constructor(private readonly o: RequestQueueOptions<Extra>) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues one item; call `drain` once a chunk's items are all pushed. */
  push(work: QueuedWork<Extra>): void {
    this.items.push(work);
  }

  /** Pauses reading when full, then answers everything queued (a no-op while a drain runs). */
  async drain(): Promise<void> {
    if (this.items.length >= MAX_QUEUED_REQUESTS && !this.o.closed()) this.o.reading.pause();
    if (this.busy) return;
    this.busy = true;
    try {
      for (let work = this.items.shift(); work && !this.o.closed(); work = this.items.shift()) {
        const response = 'request' in work ? await this.answerRequest(work.request) : work.response;
        if (this.o.answer(response, work)) {
          this.items.length = 0;
          return;
        }
        if (this.items.length < MAX_QUEUED_REQUESTS / 2 && this.o.reading.paused() && this.o.reading.mayResume()) this.o.reading.resume();
      }
    } finally {
      this.busy = false;
    }
  }

  private async answerRequest(request: Request): Promise<Response> {
    try {
      return await this.o.handle(request);
    } catch (error) {
      this.o.log.error({ ...this.o.logFields, err: error instanceof Error ? error.stack : String(error), request: request.type }, 'request handler failed');
      return { type: 'ERROR', code: ErrorCode.internal, message: `internal error handling ${request.type}: ${(error as Error).message}` };
    }
  }
}

/**
 * Whether `bytes` more may be queued for a client that already has `unread` bytes it has not
 * read; when not, logs the drop (the caller then closes the connection). A client that stops
 * reading must not make appd buffer without bound.
 */
export function fitsUnreadCap(unread: number, bytes: number, cap: number, log: Logger, logFields: Record<string, unknown>, client: string): boolean {
  if (unread + bytes <= cap) return true;
  log.warn({ ...logFields, unread_bytes: unread, limit: cap }, `dropping a ${client} that stopped reading`);
  return false;
}
