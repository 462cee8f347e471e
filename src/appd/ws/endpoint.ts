// The WebSocket endpoint on 127.0.0.1: binds, admits or refuses each handshake, and fans events out to the admitted connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../log/logger.js';
import type { Response } from '../../protocol/messages.js';
import { Credential, credentialPath, wsPortPath } from './credential.js';
import { WsConnection, type WsRequestHandler } from './connection.js';
import { serveAppUi, type UiLookup } from './app-ui.js';
import { serveDashboard } from './dashboard.js';
import { admit, pageOfHost } from './handshake.js';
import { peerUid } from './peer-uid.js';
import { appUiOrigin } from './urls.js';

/** The largest frame: a 1 MiB IPC payload plus its JSON envelope and escaping headroom. */
export const WS_MAX_MESSAGE_BYTES = 1024 * 1024 + 64 * 1024;
/** The whole HTTP upgrade request must arrive within this. */
const HANDSHAKE_DEADLINE_MS = 5000;
/** A browser connection must send AUTH within this after the handshake. */
const AUTH_DEADLINE_MS = 5000;
/** Keep-alive: a ping every interval; no pong by the next one drops the client. */
const PING_INTERVAL_MS = 15_000;

export interface WsEndpointOptions {
  port: number;
  stateDir: string;
  handle: WsRequestHandler;
  maxClients: number;
  /** Clients on the Unix socket: both kinds share WEFT_MAX_CLIENTS. */
  otherClients: () => number;
  maxBufferedBytes: number;
  /** Finds a live session's UI, served on `s<N>.localhost:<port>`. */
  ui: UiLookup;
  log: Logger;
}

export class WsEndpoint {
  private readonly connections = new Set<WsConnection>();
  /** TCP connections not yet upgraded (or refused): they hold an fd too. */
  private pending = 0;
  private nextId = 1;
  private keepAlive: NodeJS.Timeout | null = null;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES, perMessageDeflate: false });

  private constructor(
    private readonly o: WsEndpointOptions,
    private readonly http: Server,
    readonly credential: Credential,
    readonly port: number,
  ) {}

  /** Writes the credential, binds, then writes the port file (a client that finds the port finds the credential too). */
  static async open(o: WsEndpointOptions): Promise<WsEndpoint> {
    const credential = await Credential.create(o.stateDir);
    let endpoint: WsEndpoint | null = null;
    const http = createServer({ headersTimeout: HANDSHAKE_DEADLINE_MS, requestTimeout: HANDSHAKE_DEADLINE_MS, connectionsCheckingInterval: 1000 }, (req, res) => {
      if (!endpoint) return void res.writeHead(503).end();
      endpoint.serveHttp(req, res).catch((error: unknown) => {
        o.log.error({ err: error instanceof Error ? error.message : String(error) }, 'cannot serve an HTTP request');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen({ host: '127.0.0.1', port: o.port }, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : o.port;
    endpoint = new WsEndpoint(o, http, credential, port);
    endpoint.wire();
    const file = wsPortPath(o.stateDir);
    // The written port and the returned endpoint are the same object's.
    const opened = endpoint;
    await writeFile(`${file}.tmp`, String(port), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    return opened;
  }

  get clientCount(): number {
    return this.connections.size;
  }

  private wire(): void {
    const { log } = this.o;
    this.http.on('connection', (socket: Socket) => {
      if (this.connections.size + this.pending + this.o.otherClients() >= this.o.maxClients) {
        log.warn({ clients: this.connections.size + this.o.otherClients() }, `turned a WebSocket client away: WEFT_MAX_CLIENTS=${this.o.maxClients} reached`);
        socket.destroy();
        return;
      }
      this.pending += 1;
      let counted = true;
      const settle = () => {
        if (counted) this.pending -= 1;
        counted = false;
      };
      socket.once('close', settle);
      socket.once('weft-upgraded', settle);
    });
    // A malformed request or an error on one connection: that connection ends, the endpoint stays.
    this.http.on('clientError', (_error, socket) => socket.destroy());
    this.http.on('error', (error) => log.error({ err: error.message }, 'WebSocket listening socket error'));
    this.wss.on('error', (error) => log.error({ err: error.message }, 'WebSocket server error'));
    this.http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => undefined);
      void this.upgrade(request, socket, head).catch((error: unknown) => {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'WebSocket handshake failed');
        socket.destroy();
      });
    });
    this.keepAlive = setInterval(() => {
      for (const connection of this.connections) connection.ping();
    }, PING_INTERVAL_MS);
    this.keepAlive.unref();
  }

  private async upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const admission = admit(request.headers, request.url, this.port, this.credential);
    if (!admission.ok) return this.refuse(socket, admission.status, admission.reason);
    const uid = socket.remotePort === undefined ? null : await peerUid(socket.remotePort, this.port);
    const ours = process.getuid?.() ?? null;
    if (uid === null || uid !== ours) {
      return this.refuse(socket, 403, uid === null ? 'cannot tell which user this connection belongs to' : `uid ${uid} is not weft-appd's user; only uid ${ours} may connect`);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      socket.emit('weft-upgraded');
      const id = this.nextId++;
      const connection = new WsConnection({
        id,
        socket: ws,
        handle: this.o.handle,
        credential: this.credential,
        grant: admission.grant,
        page: admission.client === 'browser' ? admission.page : null,
        authDeadlineMs: AUTH_DEADLINE_MS,
        maxBufferedBytes: this.o.maxBufferedBytes,
        log: this.o.log,
        onClose: (closed) => this.connections.delete(closed),
      });
      this.connections.add(connection);
      this.o.log.debug({ ws_client: id, client: admission.client }, 'WebSocket client connected');
    });
  }

  /** Plain HTTP on the same port: app UIs on their own origins, after the same Host and uid checks as a handshake. */
  async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const page = pageOfHost(req.headers.host, this.port);
    const text = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
    if (page === null) return void res.writeHead(403, text).end(`Host ${JSON.stringify(req.headers.host ?? '')} is not this endpoint; use localhost:${this.port}\n`);
    const uid = req.socket.remotePort === undefined ? null : await peerUid(req.socket.remotePort, this.port);
    if (uid === null || uid !== (process.getuid?.() ?? null)) {
      this.o.log.warn({ uid }, 'refused an HTTP request from another user');
      return void res.writeHead(403, text).end('only weft-appd\'s own user may use this endpoint\n');
    }
    if (page.kind === 'app-ui') {
      await serveAppUi(req, res, page.sessionId, appUiOrigin(this.port, page.sessionId), this.o.ui, (id) => this.credential.sessionToken(id));
      return;
    }
    await serveDashboard(req, res, this.port);
  }

  /** A plain HTTP answer saying why, then the connection ends; the reason never contains the credential. */
  private refuse(socket: Socket, status: number, reason: string): void {
    this.o.log.warn({ status }, `refused a WebSocket handshake: ${reason}`);
    const body = `${reason}\n`;
    const text = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : 'Forbidden';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Sends an event to every admitted connection its role lets see it (WEFT pushes events without SUBSCRIBE). */
  broadcast(event: Response): void {
    for (const connection of this.connections) connection.sendEvent(event);
  }

  /** Stops accepting, closes every client, removes the port and credential files. */
  async close(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const connection of this.connections) connection.close();
    this.connections.clear();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await unlink(wsPortPath(this.o.stateDir)).catch(() => undefined);
    await unlink(credentialPath(this.o.stateDir)).catch(() => undefined);
  }
}
