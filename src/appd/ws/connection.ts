// One WebSocket client: JSON text frames in, answers in request order, events filtered by the connection's role.
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../log/logger.js';
import { encodeJsonResponse, parseJsonRequest } from '../../protocol/json.js';
import { ErrorCode, type EventMessage, type Request, type Response } from '../../protocol/messages.js';
import type { Credential, Grant } from './credential.js';
import { grantFitsPage, type Page } from './handshake.js';
import { fitsUnreadCap, RequestQueue, type QueuedWork } from '../server/request-queue.js';

export type WsRequestHandler = (request: Request, sink: WsConnection) => Promise<Response>;

export interface WsConnectionOptions {
  id: number;
  socket: WebSocket;
  handle: WsRequestHandler;
  credential: Credential;
  /** Set when the handshake already settled what the client may do; null: AUTH must come first, from `page`. */
  grant: Grant | null;
  page: Page | null;
  authDeadlineMs: number;
  /** Bytes queued for a client that is not reading before it is dropped. */
  maxBufferedBytes: number;
  log: Logger;
  onClose: (connection: WsConnection) => void;
}

/** Events an app UI receives, and only for its own session. */
const APP_UI_EVENTS = new Set(['IPC_MESSAGE', 'APP_STATE', 'APP_READY', 'LAUNCH_ACK', 'LOG_LINE']);
/** What an app UI may ask, and only about its own session. */
const APP_UI_REQUESTS = new Set(['IPC_FORWARD', 'QUERY_APP_STATE', 'QUERY_SESSION', 'QUERY_LOG', 'FOLLOW_LOG']);

/** Per queued item: `close`, the reason the connection is closed after this answer (a failed AUTH). */
interface WorkExtra {
  close?: string;
}
type Work = QueuedWork<WorkExtra>;

/**
 * WEFT's system UI drops a session's taskbar entry on any `stopped` APP_STATE. A session the
 * restart policy is about to start again is live (the supervisor counts it as starting), so over
 * the WebSocket that event says `starting`, keeping the exit details and `restart_in_ms`.
 */
export function forWeftClients(event: Response): Response {
  if (event.type === 'APP_STATE' && event.state === 'stopped' && event.restart_in_ms !== undefined) return { ...event, state: 'starting' };
  return event;
}

export class WsConnection {
  /** Answered a ping since the last keep-alive round. */
  alive = true;
  private grant: Grant | null;
  private readonly queue: RequestQueue<WorkExtra>;
  private closed = false;
  private readonly authTimer: NodeJS.Timeout | null;

  constructor(private readonly o: WsConnectionOptions) {
    this.grant = o.grant;
    const { socket } = o;
    this.queue = new RequestQueue<WorkExtra>({
      handle: (request) => o.handle(request, this),
      answer: (response, work) => {
        this.send(response);
        if (!work.close) return false;
        this.close(1008, work.close);
        return true;
      },
      reading: { pause: () => socket.pause(), resume: () => socket.resume(), paused: () => socket.isPaused, mayResume: () => true },
      closed: () => this.closed,
      log: o.log,
      logFields: { ws_client: o.id },
    });
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (error) => o.log.debug({ ws_client: o.id, err: error.message }, 'WebSocket client error'));
    socket.on('close', () => {
      this.closed = true;
      if (this.authTimer) clearTimeout(this.authTimer);
      o.onClose(this);
    });
    this.authTimer =
      this.grant === null
        ? setTimeout(() => this.refuse(`no AUTH message within ${o.authDeadlineMs} ms; send {"type":"AUTH","token":…} first`), o.authDeadlineMs)
        : null;
  }

  get id(): number {
    return this.o.id;
  }

  /** Pushes an event if this connection's role may see it. */
  sendEvent(event: Response): void {
    if (this.closed || this.grant === null) return;
    if (this.grant.role === 'app-ui') {
      const sessionId = (event as { session_id?: unknown }).session_id;
      if (!APP_UI_EVENTS.has(event.type) || sessionId !== this.grant.sessionId) return;
    }
    this.send({ ...forWeftClients(event), event: true });
  }

  /** Keep-alive round: a client that did not answer the last ping is dropped. */
  ping(): void {
    if (!this.alive) {
      this.o.log.info({ ws_client: this.o.id }, 'dropping a WebSocket client that stopped answering pings');
      this.o.socket.terminate();
      return;
    }
    this.alive = false;
    this.o.socket.ping();
  }

  /** Runs `cleanup` once the connection has closed (at once if it already has). */
  whenClosed(cleanup: () => void): void {
    if (this.o.socket.readyState === this.o.socket.CLOSED) cleanup();
    else this.o.socket.once('close', cleanup);
  }

  close(code = 1001, reason = 'weft-appd is shutting down'): void {
    this.closed = true;
    this.o.socket.close(code, reason);
    // A client that never completes the closing handshake must not hold the fd.
    setTimeout(() => this.o.socket.terminate(), 2000).unref();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.queue.push({ response: { type: 'ERROR', code: ErrorCode.badRequest, message: 'binary frames are not part of the protocol; send each message as one JSON text frame' } });
    } else {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      const parsed = parseJsonRequest(text);
      if (!parsed.ok) this.queue.push({ response: { type: 'ERROR', code: parsed.code, message: parsed.message } });
      else this.queue.push(this.admit(parsed.request));
    }
    void this.queue.drain();
  }

  /** Applies AUTH and the role's limits; returns what to queue. */
  private admit(request: Request): Work {
    if (this.grant === null) {
      if (request.type !== 'AUTH') return { response: { type: 'ERROR', code: ErrorCode.forbidden, message: `${request.type} before AUTH; a browser connection sends {"type":"AUTH","token":…} first` }, close: 'not authenticated' };
      const grant = this.o.credential.check(request.token);
      if (grant === null || this.o.page === null || !grantFitsPage(grant, this.o.page)) {
        this.o.log.warn({ ws_client: this.o.id }, 'refused a WebSocket client: wrong credential');
        return { response: { type: 'ERROR', code: ErrorCode.forbidden, message: 'the credential is wrong for this page or this weft-appd start; reload the page' }, close: 'wrong credential' };
      }
      this.grant = grant;
      if (this.authTimer) clearTimeout(this.authTimer);
      return { response: { type: 'AUTHENTICATED', role: grant.role, session_id: grant.role === 'app-ui' ? grant.sessionId : null } };
    }
    if (request.type === 'AUTH') return { response: { type: 'ERROR', code: ErrorCode.badRequest, message: 'this connection is already authenticated' } };
    if (this.grant.role === 'app-ui') {
      const own = this.grant.sessionId;
      const target = 'session_id' in request ? request.session_id : null;
      if (!APP_UI_REQUESTS.has(request.type) || target !== own) {
        return { response: { type: 'ERROR', code: ErrorCode.forbidden, message: `an app UI connection may only send IPC_FORWARD, QUERY_APP_STATE and QUERY_SESSION for its own session ${own}` } };
      }
    }
    return { request };
  }

  private refuse(reason: string): void {
    if (this.closed) return;
    this.o.log.warn({ ws_client: this.o.id }, `closing a WebSocket client: ${reason}`);
    this.send({ type: 'ERROR', code: ErrorCode.forbidden, message: reason });
    this.close(1008, 'not authenticated');
  }

  private send(response: Response | EventMessage): void {
    if (this.closed || this.o.socket.readyState !== this.o.socket.OPEN) return;
    const text = encodeJsonResponse(response);
    if (!fitsUnreadCap(this.o.socket.bufferedAmount, text.length, this.o.maxBufferedBytes, this.o.log, { ws_client: this.o.id }, 'WebSocket client')) {
      this.closed = true;
      this.o.socket.terminate();
      return;
    }
    this.o.socket.send(text);
  }
}
