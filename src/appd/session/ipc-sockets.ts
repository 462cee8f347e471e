// Per-session IPC socket files in $XDG_RUNTIME_DIR/weft: which are live, which are stale leftovers of a killed appd, and removing those.
import { lstat, readdir, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Our IPC socket names: WEFT's `ipc-<session>.sock`, and `ipc-<session>-<n>.sock` when that one was taken. */
export const IPC_SOCKET_NAME = /^ipc-\d+(?:-\d+)?\.sock$/;

/** The `__SO_ACCEPTCON` flag in /proc/net/unix: the socket is listening. */
const LISTENING_FLAG = 0x10000;

/**
 * Paths of the Unix sockets something is listening on, from /proc/net/unix (this network
 * namespace), or null when that cannot be read. Unlike a test connection, this cannot disturb a
 * live relay: a relay treats every connection as its runtime and drops the previous one.
 * Accepted connections also show the path, so only listening entries count.
 */
export async function listeningUnixPaths(table = '/proc/net/unix'): Promise<Set<string> | null> {
  let text: string;
  try {
    text = await readFile(table, 'utf8');
  } catch {
    return null;
  }
  const paths = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path — the path is everything after the 7th field.
    const match = /^\s*\S+\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+\S+\s(.+)$/.exec(line);
    if (!match || (Number.parseInt(match[1] as string, 16) & LISTENING_FLAG) === 0) continue;
    const path = match[2] as string;
    if (!path.startsWith('@')) paths.add(path);
  }
  return paths;
}

export type SocketFileState = 'absent' | 'stale' | 'busy';

/**
 * `absent`: nothing there. `stale`: a socket file of ours that nothing listens on (a leftover).
 * `busy`: anything else — a live socket (another appd sharing the directory), a file that is not
 * a socket or not ours, or a socket whose liveness cannot be told (`listening` gives null).
 * `listening` is only called when there is a socket to judge.
 */
export async function socketFileState(path: string, listening: () => Promise<Set<string> | null>): Promise<SocketFileState> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return 'absent';
  }
  if (!stats.isSocket() || (process.getuid && stats.uid !== process.getuid())) return 'busy';
  const live = await listening();
  if (live === null || live.has(path) || live.has(resolve(path))) return 'busy';
  return 'stale';
}

/**
 * Removes the stale IPC sockets in `dir` (ours by name and owner, with nothing listening), as left
 * by an appd that was SIGKILLed or killed by the watchdog. Live ones are left alone. Returns the
 * names removed; without /proc/net/unix it removes nothing.
 */
export async function removeStaleIpcSockets(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => IPC_SOCKET_NAME.test(name));
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const listening = await listeningUnixPaths();
  if (listening === null) return [];
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if ((await socketFileState(path, async () => listening)) !== 'stale') continue;
    try {
      await unlink(path);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove after all.
    }
  }
  return removed;
}
