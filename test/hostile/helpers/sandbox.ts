// A private world for one hostile suite: temp XDG_RUNTIME_DIR (0700), HOME, data and a store with fixture apps copied in as plain dirs.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_APPS_DIR, fixtureAppId, REPO_ROOT } from '../../support/fixture-apps.js';

export const APPS_DIR = FIXTURE_APPS_DIR;
export const DIST_BIN = join(REPO_ROOT, 'dist', 'bin');

/** Transpile output is keyed by module hash, so every hostile suite shares one cache (a cold transpile costs ~1 s). */
export const SHARED_CACHE = join(tmpdir(), 'weft-hostile-transpile-cache');

export interface Sandbox {
  root: string;
  runtimeDir: string;
  store: string;
  home: string;
  dataHome: string;
  env: NodeJS.ProcessEnv;
  /** Copies apps/<dir> to <store>/<app id>/ and returns the app id. */
  addApp(dir: string): string;
  /** Path of an app's data dir (what appd preopens as /data). */
  appData(appId: string): string;
  cleanup(): void;
}

export { fixtureAppId };

export function makeSandbox(label: string, apps: readonly string[] = []): Sandbox {
  const root = mkdtempSync(join(tmpdir(), `weft-hostile-${label}-`));
  const runtimeDir = join(root, 'run');
  const store = join(root, 'store');
  const home = join(root, 'home');
  const dataHome = join(root, 'data');
  for (const dir of [runtimeDir, store, home, dataHome]) mkdirSync(dir, { recursive: true });
  chmodSync(runtimeDir, 0o700);
  mkdirSync(SHARED_CACHE, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_HOME: dataHome,
    XDG_CACHE_HOME: SHARED_CACHE,
    WEFT_APP_STORE: store,
    WEFT_DISABLE_CGROUP: '1',
    WEFT_LOG: 'warn',
    // Suites run in parallel: each daemon's WebSocket takes a free port, never the default 7410.
    WEFT_APPD_WS_PORT: '0',
    WEFT_LOG_FORMAT: 'json',
  };
  const sandbox: Sandbox = {
    root,
    runtimeDir,
    store,
    home,
    dataHome,
    env,
    addApp(dir) {
      const id = fixtureAppId(dir);
      cpSync(join(APPS_DIR, dir), join(store, id), { recursive: true, verbatimSymlinks: true });
      return id;
    },
    appData(appId) {
      return join(dataHome, 'weft', 'apps', appId, 'data');
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (const dir of apps) sandbox.addApp(dir);
  return sandbox;
}
