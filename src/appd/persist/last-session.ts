// Saves the app ids running at shutdown to last-session.json and reads them back once at the next start (WEFT's format: a JSON array of ids).
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidAppId } from '../../manifest/app-id.js';

export const LAST_SESSION_FILE = 'last-session.json';

export function lastSessionPath(runtimeDir: string): string {
  return join(runtimeDir, LAST_SESSION_FILE);
}

/** Writes atomically (temp file + rename) so a crash mid-write cannot leave half a list. */
export async function saveLastSession(path: string, appIds: readonly string[]): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(appIds)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

export type LoadedSession = { appIds: string[]; problem: string | null };

/**
 * Reads and removes the file (as WEFT does), so a list that crashes appd is not replayed forever.
 * Ids that are not valid app ids are dropped and reported.
 */
export async function takeLastSession(path: string): Promise<LoadedSession> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { appIds: [], problem: null };
  }
  await unlink(path).catch(() => {});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { appIds: [], problem: `${path} is not JSON (${(error as Error).message}); ignoring it` };
  }
  if (!Array.isArray(value)) return { appIds: [], problem: `${path} should hold a JSON array of app ids; ignoring it` };
  const appIds = value.filter((id): id is string => typeof id === 'string' && isValidAppId(id));
  const dropped = value.length - appIds.length;
  return { appIds, problem: dropped > 0 ? `${path}: ignored ${dropped} entr${dropped === 1 ? 'y that is' : 'ies that are'} not app ids` : null };
}
