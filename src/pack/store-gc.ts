// Names for in-progress store work, and removal of what killed or failed installs left in .weft/ (never anything still in use).
import { randomBytes } from 'node:crypto';
import { readdir, readlink, rm } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { entryPath, entryTarget, installsDir, stagingDir } from '../store/layout.js';

/**
 * A token names one install or uninstall: `<pid>-<random>`. Staging entries are `<token>` or
 * `<token>.<suffix>`, install dirs `<id>-<token>`. The pid says whose work it is, so a cleaner
 * can tell an abandoned leftover (its process is gone) from another install still under way.
 */
const inFlight = new Set<string>();

export function beginWork(): string {
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  inFlight.add(token);
  return token;
}

export function endWork(token: string): void {
  inFlight.delete(token);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    // EPERM: it exists but belongs to someone else.
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Abandoned: this process is not working on it, or its process no longer exists. */
function abandoned(pid: number, token: string): boolean {
  if (pid === process.pid) return !inFlight.has(token);
  return !processAlive(pid);
}

const STAGING_NAME = /^((\d+)-[0-9a-f]+)(?:\..+)?$/;
const INSTALL_NAME = /^([a-z][a-z0-9.]*)-((\d+)-[0-9a-f]+)$/;

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** The install dir name `<root>/<id>` points at, or null. */
export async function referencedInstall(root: string, appId: string): Promise<string | null> {
  let text: string;
  try {
    text = await readlink(entryPath(root, appId));
  } catch {
    return null;
  }
  const parts = normalize(text).split('/');
  // entryTarget(name) is `.weft/installs/<name>/package`.
  if (parts.length === 4 && normalize(entryTarget(parts[2] as string)) === normalize(text)) return parts[2] as string;
  return null;
}

/**
 * Deletes abandoned staging entries and install dirs no `<root>/<id>` link points to. Safe to run
 * beside other installs: their work is either ours and in flight, or owned by a live process.
 * Returns the paths removed.
 */
export async function collectGarbage(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await names(stagingDir(root))) {
    const match = STAGING_NAME.exec(name);
    if (!match || !abandoned(Number(match[2]), match[1] as string)) continue;
    const path = join(stagingDir(root), name);
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  for (const name of await names(installsDir(root))) {
    const match = INSTALL_NAME.exec(name);
    if (!match || !abandoned(Number(match[3]), match[2] as string)) continue;
    if ((await referencedInstall(root, match[1] as string)) === name) continue;
    const path = join(installsDir(root), name);
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
