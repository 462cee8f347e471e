// A throwaway world for one bench run: temp HOME, store, data and runtime dirs, the environment weft-appd gets, installed fixture apps.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appsDir, distDir } from './paths.mjs';

/** Fixture apps the suites use, by directory name. */
export const APPS = ['hello', 'counter', 'echo', 'cpu-bench'];

export async function createWorkspace() {
  const base = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const ws = {
    base,
    home: join(base, 'home'),
    store: join(base, 'store'),
    appIds: {},
    runtimeCount: 0,
  };
  await mkdir(ws.home, { recursive: true });
  await mkdir(ws.store, { recursive: true });
  ws.env = {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: ws.home,
    XDG_DATA_HOME: join(ws.home, '.local', 'share'),
    XDG_CONFIG_HOME: join(ws.home, '.config'),
    XDG_CACHE_HOME: join(ws.home, '.cache'),
    WEFT_APP_STORE: ws.store,
    WEFT_DISABLE_CGROUP: '1',
    WEFT_BACKEND: 'direct',
    WEFT_RESTORE: '0',
    WEFT_LOG: 'warn',
    WEFT_BENCH_RUN: base,
  };
  return ws;
}

/** A fresh 0700 XDG_RUNTIME_DIR inside the workspace (one per weft-appd instance). */
export async function freshRuntimeDir(ws) {
  const dir = join(ws.base, `run-${++ws.runtimeCount}`);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o700);
  return dir;
}

/** Installs the fixture apps into the workspace store with weft's own installPackage (precompiles). */
export async function installApps(ws, names = APPS) {
  const { installPackage } = await import(pathToFileURL(join(distDir, 'pack', 'install.js')).href);
  for (const name of names) {
    if (ws.appIds[name]) continue;
    const dir = join(appsDir, name);
    if (!existsSync(join(dir, 'app.wasm'))) throw new Error(`apps/${name}/app.wasm is missing (npm run build:apps)`);
    const result = await installPackage(dir, { root: ws.store });
    ws.appIds[name] = result?.appId ?? (await appIdOf(dir));
  }
  return ws.appIds;
}

async function appIdOf(dir) {
  const m = /^\s*id\s*=\s*"([^"]+)"/m.exec(await readFile(join(dir, 'wapp.toml'), 'utf8'));
  if (!m) throw new Error(`no [package] id in ${dir}/wapp.toml`);
  return m[1];
}

export async function destroyWorkspace(ws) {
  await rm(ws.base, { recursive: true, force: true });
}
