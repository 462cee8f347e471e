// The guard's own handle on a parent directory: opened once, checked where the kernel says it is, then named through /proc/self/fd so the call acts on exactly that directory.
import { closeSync, constants, existsSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fsErrorCode } from '../shim-adapter/errors.js';

const NOT_PERMITTED = 'not-permitted';

/**
 * Node has no openat/linkat/renameat. `/proc/self/fd/N/name` is the next best thing: the kernel
 * resolves `/proc/self/fd/N` to the very directory the descriptor holds (not to a path string that
 * may since name something else), so a directory swapped for a symlink after the check cannot
 * redirect the call. Without /proc (never on the supported systems) the guard falls back to the
 * real path, which leaves a window between check and call.
 */
let procFd: boolean | null = null;
function haveProcFd(): boolean {
  procFd ??= existsSync('/proc/self/fd');
  return procFd;
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** The kernel's real path of `path` (realpathSync.native agrees with the kernel; the JavaScript realpath does not). */
export function nativeRealpath(path: string): string {
  try {
    return realpathSync.native(path);
  } catch (cause) {
    throw fsErrorCode(cause);
  }
}

export interface HeldParent {
  /** Real path of the held directory when it was checked. */
  readonly real: string;
  /** The final component as the app wrote it, with any trailing slashes (the kernel judges those). */
  readonly name: string;
  /** A path naming `name` inside exactly the held directory. */
  readonly entry: string;
  /** Whether the held directory still lies inside `root` (it may have been moved since). */
  stillInside(root: string): boolean;
  close(): void;
}

/** Splits `path` into its parent part and final component; `.`/`..`/empty finals are refused as WASI does. */
function splitFinal(path: string): { parent: string; name: string } {
  const clean = path.replace(/\\/g, '/');
  if (clean.startsWith('/')) throw NOT_PERMITTED;
  const match = /^(.*?)([^/]+)(\/*)$/.exec(clean);
  if (!match) throw 'invalid';
  const [, parent = '', final = '', slashes = ''] = match;
  if (final === '.' || final === '..') throw final === '..' ? NOT_PERMITTED : 'invalid';
  return { parent: parent === '' ? '.' : parent, name: final + slashes };
}

function heldRealPath(fd: number, fallback: string): string {
  if (!haveProcFd()) return nativeRealpath(fallback);
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch (cause) {
    throw fsErrorCode(cause);
  }
}

/**
 * Opens the directory that will hold `path` (resolved from `base` by the kernel, symlinks and all),
 * and refuses unless the kernel places it inside `root`. The caller must close() it.
 */
export function holdParent(base: string, path: string, root: string): HeldParent {
  const { parent, name } = splitFinal(path);
  const parentPath = join(base, parent);
  let fd: number;
  try {
    fd = openSync(parentPath, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (cause) {
    throw fsErrorCode(cause);
  }
  try {
    const real = heldRealPath(fd, parentPath);
    if (!isInside(root, real)) throw NOT_PERMITTED;
    const dir = haveProcFd() ? `/proc/self/fd/${fd}` : real;
    return {
      real,
      name,
      entry: `${dir}/${name}`,
      stillInside: (r) => {
        try {
          return isInside(r, heldRealPath(fd, parentPath));
        } catch {
          return false;
        }
      },
      close: () => closeSync(fd),
    };
  } catch (refusal) {
    closeSync(fd);
    throw refusal;
  }
}
