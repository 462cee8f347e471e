// A standby runtime's private stage: the one directory it can see, filled with the app's install when a launch takes it.
import { cpSync, existsSync, linkSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
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
