// Where weft keeps things: store roots, app data, the cache, the runtime dir and the daemon socket, from the environment.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** The user's home directory: $HOME, else the account's. */
export function homeDir(env: Env = process.env): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : homedir();
}

/** The user's data home ($XDG_DATA_HOME, else ~/.local/share). */
export function dataHome(env: Env = process.env): string {
  return env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homeDir(env), '.local', 'share');
}

/** weft's per-user cache directory: $XDG_CACHE_HOME/weft, else ~/.cache/weft. */
export function weftCacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homeDir(env), '.cache');
  return join(base, 'weft');
}

/**
 * Package store roots, first match wins (WEFT's order): $WEFT_APP_STORE alone when set,
 * else the user's store, then the system store.
 */
export function storeRoots(env: Env = process.env): string[] {
  if (env.WEFT_APP_STORE && env.WEFT_APP_STORE.length > 0) return [env.WEFT_APP_STORE];
  return [join(dataHome(env), 'weft', 'apps'), '/usr/share/weft/apps'];
}

/** The root `weft-pack install` writes to: the first store root. */
export function writableStoreRoot(env: Env = process.env): string {
  return storeRoots(env)[0] as string;
}

/** Host directory preopened as /data for an app granted fs:*:app-data. */
export function appDataDir(appId: string, env: Env = process.env): string {
  const override = env.WEFT_APP_DATA_HOME;
  return join(override && override.length > 0 ? override : join(dataHome(env), 'weft', 'apps'), appId, 'data');
}

/** The user's config home ($XDG_CONFIG_HOME, else ~/.config). */
export function configHome(env: Env = process.env): string {
  return env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(homeDir(env), '.config');
}

/** The values `weftctl config set` stores for an app's [variables] (mode 0600; it may hold secrets). */
export function variablesFile(appId: string, env: Env = process.env): string {
  return join(configHome(env), 'weft', 'variables', `${appId}.json`);
}

/** When each schedule last fired, so ticks survive weft-appd restarts and missed ones are noticed. */
export function scheduleStateFile(env: Env = process.env): string {
  return join(dataHome(env), 'weft', 'schedules.json');
}

/** Schedules an app made through weft:app/schedule, one JSON file per app; weft-appd reads the directory. */
export function appSchedulesDir(env: Env = process.env): string {
  return join(dataHome(env), 'weft', 'schedules');
}

/** One directory per app, so a sandbox can bind just this app's (the file is replaced by rename). */
export function appSchedulesFile(appId: string, env: Env = process.env): string {
  return join(appSchedulesDir(env), appId, 'schedules.json');
}

/**
 * An app's key-value store (storage:kv): weft's own directory, outside every directory an app
 * sees, so the app reaches its data only through the kv interface.
 */
export function kvDir(appId: string, env: Env = process.env): string {
  return join(dataHome(env), 'weft', 'kv', appId);
}

/** Host directory preopened as /xdg/documents for fs:*:xdg-documents. */
export function documentsDir(env: Env = process.env): string {
  return env.XDG_DOCUMENTS_DIR && env.XDG_DOCUMENTS_DIR.length > 0 ? env.XDG_DOCUMENTS_DIR : join(homeDir(env), 'Documents');
}

/** $XDG_RUNTIME_DIR/weft: the daemon's sockets and session files live here. */
export function runtimeDir(env: Env = process.env): string {
  const base = env.XDG_RUNTIME_DIR;
  if (!base || base.length === 0) {
    throw new Error('XDG_RUNTIME_DIR is not set: weft needs a per-user runtime directory (set XDG_RUNTIME_DIR or WEFT_APPD_SOCKET)');
  }
  return join(base, 'weft');
}

/** The daemon socket: $WEFT_APPD_SOCKET, else $XDG_RUNTIME_DIR/weft/appd.sock. */
export function appdSocketPath(env: Env = process.env): string {
  return env.WEFT_APPD_SOCKET && env.WEFT_APPD_SOCKET.length > 0 ? env.WEFT_APPD_SOCKET : join(runtimeDir(env), 'appd.sock');
}

/** Where appd keeps its state files (IPC sockets, last-session.json, the WebSocket port and credential): $XDG_RUNTIME_DIR/weft, else the socket's own directory. */
export function stateDir(env: Env = process.env): string {
  return env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.length > 0 ? runtimeDir(env) : dirname(appdSocketPath(env));
}

/** Per-session IPC socket, as WEFT: $XDG_RUNTIME_DIR/weft/ipc-<session>.sock. */
export function ipcSocketPath(sessionId: number, dir: string): string {
  return join(dir, `ipc-${sessionId}.sock`);
}


/**
 * One app's cache (`v8/` code caches, `transpiled/` on-the-fly precompiles): per app, so the
 * only cache a confined runtime can write is its own app's, never code another app will run.
 */
export function appCacheDir(appId: string, env: Env = process.env): string {
  return join(weftCacheDir(env), 'apps', appId);
}
