// Persists when each schedule last fired (<app-id>/<name> -> ms), replaced atomically, so weft-appd restarts neither repeat nor forget ticks.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type LastFired = Record<string, number>;

export function readLastFired(path: string): LastFired {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { last_fired?: unknown };
    const entries = Object.entries((parsed.last_fired ?? {}) as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
    return Object.fromEntries(entries);
  } catch {
    // Missing or unreadable: every schedule starts counting from now.
    return {};
  }
}

export function writeLastFired(path: string, lastFired: LastFired): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ last_fired: lastFired })}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
