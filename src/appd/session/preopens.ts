// The runtime's --preopen arguments for an app's filesystem grants (the mapping itself is src/manifest/fs-grants.ts, shared with the runtime).
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { configHome, dataHome, homeDir, stateDir, storeRoots, weftCacheDir, type Env } from '../../config/paths.js';
import { isInside } from '../../fs/inside.js';
import { fsMappings } from '../../manifest/fs-grants.js';
import type { Manifest } from '../../manifest/types.js';

export interface PreopenPlan {
  host: string;
  guest: string;
  /** Created before launch when missing (the app's own data dir). */
  create: boolean;
  /** An rw grant for the scope (a read grant alone gives a read-only bind in the sandbox). */
  writable: boolean;
}

/** Pure: one preopen per granted scope, by the mapping the runtime also derives its preopens from (src/manifest/fs-grants.ts). */
export function preopensFor(manifest: Pick<Manifest, 'id' | 'grants'>, env: Env): PreopenPlan[] {
  return fsMappings(manifest, env).map(({ host, guest, create, writable }) => ({ host, guest, create, writable }));
}

/** weft's own directories (and systemd's user units), by what they hold: no app's documents grant may reach them. */
export function weftOwnDirs(env: Env): { what: string; path: string }[] {
  return [
    { what: "weft's caches (other apps' code caches)", path: weftCacheDir(env) },
    { what: "weft's data (other apps' data, key-value stores, schedules)", path: join(dataHome(env), 'weft') },
    ...(env.WEFT_APP_DATA_HOME ? [{ what: "the apps' data (WEFT_APP_DATA_HOME)", path: env.WEFT_APP_DATA_HOME }] : []),
    ...storeRoots(env).map((path) => ({ what: 'the app store', path })),
    { what: "weft's configuration (app variables, possibly secrets)", path: join(configHome(env), 'weft') },
    ...optional(() => ({ what: "weft-appd's state (its sockets, the dashboard's credential, the sessions to restore)", path: stateDir(env) })),
    { what: "systemd's user units (which run as you, outside any sandbox)", path: join(configHome(env), 'systemd') },
    { what: "systemd's user units (which run as you, outside any sandbox)", path: join(dataHome(env), 'systemd') },
  ];
}

/** [value()], or [] when it throws (a directory that is not configured: no XDG_RUNTIME_DIR and no socket path). */
function optional<T>(value: () => T): T[] {
  try {
    return [value()];
  } catch {
    return [];
  }
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
async function realOrLexical(path: string): Promise<string> {
  const absolute = resolve(path);
  const real = await realpath(absolute).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(await realOrLexical(parent), basename(absolute));
}

/** The message that refuses a documents folder: what it would give the app, and how to fix it. */
function documentsRefusal(host: string, why: string): Error {
  return new Error(`its xdg-documents grant would give it ${host}, which ${why}; set XDG_DOCUMENTS_DIR (in ~/.config/user-dirs.dirs) to a folder of documents apart from weft's directories, and restart weft-appd`);
}

/**
 * Refuses a documents folder that is the home directory (or above it), that holds one of weft's
 * own directories, or that lies inside one: an app granted it (even read-only) would reach the
 * user's shell start-up files and keys, other apps' data and code, appd's credential or the
 * user's services. The home directory is xdg-user-dirs' value for a disabled folder.
 */
export async function checkDocumentsDir(host: string, env: Env): Promise<void> {
  const documents = await realOrLexical(host);
  if (isInside(documents, await realOrLexical(homeDir(env)))) throw documentsRefusal(host, 'is your home directory or holds it');
  for (const own of weftOwnDirs(env)) {
    const path = await realOrLexical(own.path);
    if (isInside(documents, path)) throw documentsRefusal(host, `holds ${own.what} at ${path}`);
    if (isInside(path, documents)) throw documentsRefusal(host, `lies inside ${own.what} at ${path}`);
  }
}

/**
 * Creates the host directories weft owns (app data, mode 0700) and drops a preopen whose host
 * directory is missing (a user without ~/Documents): the runtime refuses a --preopen of a
 * directory that does not exist, and it would rather start the app without that folder. Throws
 * for a documents folder an app must not get (checkDocumentsDir).
 */
export async function preparePreopens(preopens: readonly PreopenPlan[], env: Env): Promise<PreopenPlan[]> {
  const usable: PreopenPlan[] = [];
  for (const p of preopens) {
    if (p.create) await mkdir(p.host, { recursive: true, mode: 0o700 });
    else if (!(await stat(p.host).catch(() => null))?.isDirectory()) continue;
    else await checkDocumentsDir(p.host, env);
    usable.push(p);
  }
  return usable;
}
