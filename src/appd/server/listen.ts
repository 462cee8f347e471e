// Opens the daemon's listening socket: a path (refusing a live appd, replacing a stale socket) or an inherited fd (socket activation).
import { chmod, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { createConnection, type Server } from 'node:net';
import { dirname } from 'node:path';

export type ListenSource = { kind: 'path'; path: string; ownDir: boolean } | { kind: 'fd'; fd: number };

export class AlreadyRunningError extends Error {
  constructor(readonly path: string) {
    super(`another weft-appd is already listening on ${path}; stop it first (weftctl status shows it), or set WEFT_APPD_SOCKET to use another socket`);
    this.name = 'AlreadyRunningError';
  }
}

/** Resolves 'live' if something accepts connections at `path`, 'stale' if a dead socket is there, 'absent' otherwise. */
export async function probeSocket(path: string): Promise<'live' | 'stale' | 'absent' | 'not-a-socket'> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return 'absent';
  }
  if (!stats.isSocket()) return 'not-a-socket';
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      // Accepting but silent still means a process owns it.
      resolve('live');
    }, 1000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('live');
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve('stale');
    });
  });
}

/**
 * Binds `server` (which must already have its 'connection' handler: a client may connect the
 * instant the socket file exists, and a connection nobody handles would never be answered).
 */
export async function openListener(server: Server, source: ListenSource): Promise<void> {
  if (source.kind === 'fd') {
    await listen(server, { fd: source.fd });
    return;
  }
  const dir = dirname(source.path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Our own $XDG_RUNTIME_DIR/weft is private; a directory named by WEFT_APPD_SOCKET is the user's to manage.
  if (source.ownDir) await chmod(dir, 0o700);
  const state = await probeSocket(source.path);
  if (state === 'live') throw new AlreadyRunningError(source.path);
  if (state === 'not-a-socket') {
    throw new Error(`${source.path} exists and is not a socket; weft-appd will not delete it — move it away or set WEFT_APPD_SOCKET`);
  }
  if (state === 'stale') await unlink(source.path);
  // Bound and listening under a temporary name, then renamed into place: the socket file appears
  // only once it accepts connections (a client polling for it never sees ECONNREFUSED) and is 0600.
  const temp = `${source.path}.${process.pid}.tmp`;
  await unlink(temp).catch(() => {});
  await listen(server, { path: temp }, 0o177);
  await chmod(temp, 0o600);
  await rename(temp, source.path);
}

/** `umask` applies only to the synchronous bind inside listen(), so the socket file is private from its first moment. */
export function listen(server: Server, options: { path: string } | { fd: number }, umask?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const previous = umask === undefined ? null : process.umask(umask);
    try {
      server.listen(options, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (previous !== null) process.umask(previous);
    }
  });
}
