// Finds the uid that owns the other end of a loopback TCP connection, from /proc/net/tcp and /proc/net/tcp6.
import { readFile } from 'node:fs/promises';

/**
 * The peer's socket is listed with its own port as the local one and ours as the remote one; its
 * line's uid column is the uid that created it. Both tables are read: a client on an IPv6 socket
 * reaches 127.0.0.1 as ::ffff:127.0.0.1 and appears only in tcp6. Returns null when no line
 * matches (the peer is already gone), which callers treat as a refusal.
 */
export async function peerUid(peerPort: number, ourPort: number): Promise<number | null> {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    const uid = findUid(text, peerPort, ourPort);
    if (uid !== null) return uid;
  }
  return null;
}

/** Scans one /proc/net/tcp* table for the loopback socket bound to `localPort` and connected to `remotePort`. */
export function findUid(table: string, localPort: number, remotePort: number): number | null {
  const lines = table.split('\n');
  for (let i = 1; i < lines.length; i += 1) {
    const fields = (lines[i] as string).trim().split(/\s+/);
    if (fields.length < 8) continue;
    const local = parseEndpoint(fields[1] as string);
    const remote = parseEndpoint(fields[2] as string);
    if (!local || !remote || local.port !== localPort || remote.port !== remotePort) continue;
    if (!isLoopback(local.address) || !isLoopback(remote.address)) continue;
    const uid = Number(fields[7]);
    if (Number.isInteger(uid)) return uid;
  }
  return null;
}

function parseEndpoint(field: string): { address: string; port: number } | null {
  const [address, port] = field.split(':');
  if (!address || !port) return null;
  return { address: address.toUpperCase(), port: parseInt(port, 16) };
}

/** 127.0.0.0/8 in tcp's little-endian hex (xx00007F…), or ::ffff:127.x.y.z / ::1 in tcp6's. */
function isLoopback(hex: string): boolean {
  if (hex.length === 8) return hex.endsWith('7F');
  if (hex.length === 32) return hex === '00000000000000000000000001000000' || (hex.startsWith('0000000000000000FFFF0000') && hex.endsWith('7F'));
  return false;
}
