// Accepts client connections on the listening socket and fans events out to the subscribed ones.
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { encodeFrame } from '../../protocol/frame.js';
import { ErrorCode, type Response } from '../../protocol/messages.js';
import { ClientConnection, type RequestHandler } from './connection.js';
import { PendingBudget } from './pending-budget.js';

export interface ServerLimits {
  /** Unread bytes a client may leave in its socket before appd drops it. */
  maxUnreadBytes: number;
  /** Connected clients at most. */
  maxClients: number;
  /** A frame must complete this soon after its first byte. */
  frameDeadlineMs: number;
  /** Bytes of half-received frames held across all clients at most. */
  maxPendingBytes: number;
  /** Clients connected elsewhere (the WebSocket endpoint) that count against the same maximum. */
  otherClients?: () => number;
}

export class AppdServer {
  private readonly connections = new Set<ClientConnection>();
  private nextClientId = 1;
  private readonly budget: PendingBudget;

  constructor(
    private readonly server: Server,
    private readonly handle: RequestHandler,
    private readonly limits: ServerLimits,
    private readonly log: Logger,
  ) {
    this.budget = new PendingBudget(limits.maxPendingBytes);
    server.on('connection', (socket) => {
      if (this.connections.size + (limits.otherClients?.() ?? 0) >= limits.maxClients) {
        this.turnAway(socket);
        return;
      }
      const id = this.nextClientId++;
      const connection = new ClientConnection(id, socket, this.handle, limits.maxUnreadBytes, { frameDeadlineMs: limits.frameDeadlineMs, budget: this.budget }, log, (closed) => this.connections.delete(closed));
      this.connections.add(connection);
      log.debug({ client: id }, 'client connected');
    });
    server.on('error', (error) => log.error({ err: error.message }, 'listening socket error'));
  }

  /** One ERROR saying why, then the connection is closed: a client over the cap learns what happened instead of seeing a bare hang-up. */
  private turnAway(socket: Socket): void {
    const message = `weft-appd already serves ${this.connections.size} client${this.connections.size === 1 ? '' : 's'}, its limit (WEFT_MAX_CLIENTS=${this.limits.maxClients}); close an idle client or raise WEFT_MAX_CLIENTS`;
    this.log.warn({ clients: this.connections.size }, 'turned a client away: too many clients');
    socket.on('error', () => undefined); // the client may already be gone; nothing to report
    // Read and discard what the client sends meanwhile: closing a socket with unread bytes makes
    // the kernel answer with a reset, and the client would see ECONNRESET instead of the ERROR.
    socket.resume();
    socket.end(encodeFrame({ type: 'ERROR', code: ErrorCode.limitReached, message }));
    // A client that never reads must not hold the fd: end() waits for the write to drain.
    socket.setTimeout(2000, () => socket.destroy());
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Sends an event to every subscribed client. */
  broadcast(event: Response): void {
    for (const connection of this.connections) if (connection.subscribed) connection.sendEvent(event);
  }

  /** Stops accepting new connections; existing ones keep working until closeClients(). */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      // server.close() calls back only once every connection has ended; closeClients() ends them.
      this.server.close(() => resolve());
    });
  }

  closeClients(): void {
    for (const connection of this.connections) connection.close();
    this.connections.clear();
  }
}
