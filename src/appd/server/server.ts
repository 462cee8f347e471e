// Accepts client connections on the listening socket and fans events out to the subscribed ones.
import type { Server } from 'node:net';
import type { Logger } from '../../log/logger.js';
import type { Response } from '../../protocol/messages.js';
import { ClientConnection, type RequestHandler } from './connection.js';

export class AppdServer {
  private readonly connections = new Set<ClientConnection>();
  private nextClientId = 1;

  constructor(
    private readonly server: Server,
    private readonly handle: RequestHandler,
    private readonly maxUnreadBytes: number,
    private readonly log: Logger,
  ) {
    server.on('connection', (socket) => {
      const id = this.nextClientId++;
      const connection = new ClientConnection(id, socket, this.handle, this.maxUnreadBytes, log, (closed) => this.connections.delete(closed));
      this.connections.add(connection);
      log.debug({ client: id }, 'client connected');
    });
    server.on('error', (error) => log.error({ err: error.message }, 'listening socket error'));
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
