// A standby runtime's private stage: the one directory it can see, filled with the app's install when a launch takes it.
import { cpSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GLUE_CACHE_SUBDIR, holdsGlueScript } from '../../config/glue-cache.js';
import { entryPath, WEFT_DIR } from '../../store/layout.js';
import type { InstalledPackage } from '../../store/resolve.js';
import type { ConfinementProfile } from './profile.js';

/**
 * A standby starts before anyone knows which app it will run, so it cannot bind that app's
 * install. It binds its stage instead (read-only, but for `cache/`), with WEFT_APP_STORE and
 * XDG_CACHE_HOME pointing into it; a launch copies the install into `store/` and links the
 * session's IPC socket as `ipc.sock`, and the runtime finds them where it always looks.
 */
export class StandbyStage {
  readonly store: string;
  readonly cacheHome: string;
  readonly ipcSocket: string;

  constructor(readonly dir: string) {
    this.store = join(dir, 'store');
    this.cacheHome = join(dir, 'cache');
    this.ipcSocket = join(dir, 'ipc.sock');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(this.store, { recursive: true, mode: 0o700 });
    mkdirSync(this.cacheHome, { recursive: true, mode: 0o700 });
  }

  /** The profile a standby runs with: no grants, its stage only. */
  profile(): ConfinementProfile {
    return {
      packageBinds: [{ source: this.dir, path: this.dir }],
      symlinks: [],
      dataBinds: [],
      cacheDir: this.cacheHome,
      ipcSocket: null,
      network: false,
      sockets: [],
      env: [],
    };
  }

  /** Variables that point the standby's runtime into the stage. */
  env(): [string, string][] {
    return [
      ['WEFT_APP_STORE', this.store],
      ['XDG_CACHE_HOME', this.cacheHome],
    ];
  }

  /** Puts the app's install (and its V8 code cache) into the stage and links the session's IPC socket. */
  fill(installed: InstalledPackage, ipcSocket: string | null, appCacheDir: string, stagedCacheDir: string): void {
    const entry = join(this.store, installed.appId);
    if (installed.installDir !== null) {
      const name = basename(installed.installDir);
      cpSync(installed.installDir, join(this.store, WEFT_DIR, 'installs', name), { recursive: true });
      symlinkSync(readlinkSync(entryPath(installed.root, installed.appId)), entry);
    } else {
      cpSync(installed.packageDir, entry, { recursive: true });
    }
    if (existsSync(appCacheDir)) cpSync(appCacheDir, stagedCacheDir, { recursive: true });
    if (ipcSocket !== null) linkSync(ipcSocket, this.ipcSocket);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The most of an app's cache a stage copies (apparent size, so a sparse file counts whole): the stage lives in memory ($XDG_RUNTIME_DIR). */
export const STAGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Entries walked at most before the cache counts as too big to stage. */
const STAGE_CACHE_MAX_ENTRIES = 10_000;

/**
 * Regular files under `dir` and their total size; null when something else is there (a link,
 * a FIFO a compromised runtime left in its cache would hang or refuse the copy) or the walk
 * runs past its bounds. A missing dir holds nothing.
 */
export function stageableCache(dir: string): { files: number; bytes: number } | null {
  const found = { files: 0, bytes: 0 };
  const pending = [dir];
  let entries = 0;
  try {
    if (!existsSync(dir)) return found;
    while (pending.length > 0) {
      const current = pending.pop() as string;
      for (const entry of readdirSync(current, { withFileTypes: true })) {
        if (++entries > STAGE_CACHE_MAX_ENTRIES) return null;
        const path = join(current, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) {
          found.files += 1;
          found.bytes += lstatSync(path).size;
        } else return null;
      }
    }
  } catch {
    return null;
  }
  return found.bytes > STAGE_CACHE_MAX_BYTES ? null : found;
}

/**
 * Whether a staged standby may run this app without losing what the launch writes. A runtime
 * writes its app's caches at launch (the glue's script and V8 code cache; the on-the-fly
 * transpile of a package without precompiled output), and in a standby they land in the stage,
 * which is discarded with the process: an app only ever launched warm would transpile (and compile
 * without a code cache) on every launch. So while the app's own cache lacks them the launch goes
 * cold, and what it writes lands in the app's cache (bound read-write); later stages copy that
 * in. For a precompiled install "lacks" means: no script of the glue the install record names
 * (glue-cache.ts names each cached script after its glue's SHA-256). A precompiled install with
 * the code cache turned off writes nothing, so it needs no first cold launch. A cache a stage
 * should not copy (see stageableCache) also means a cold launch.
 */
export function stageCanServe(installed: Pick<InstalledPackage, 'installDir' | 'record'>, appCache: string, codeCacheOff: boolean): boolean {
  const cache = stageableCache(appCache);
  if (cache === null) return false;
  if (installed.installDir !== null && codeCacheOff) return true;
  // A precompiled install: the cache must hold a script of its current glue, not only an older
  // version's (a standby would make the new one, and lose it with its stage, on every launch).
  const precompiled = installed.installDir !== null ? installed.record?.precompiled : undefined;
  const glueSha256 = precompiled?.files?.[precompiled.entry];
  if (glueSha256 !== undefined) return holdsGlueScript(listing(join(appCache, GLUE_CACHE_SUBDIR)), glueSha256);
  return cache.files > 0;
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
