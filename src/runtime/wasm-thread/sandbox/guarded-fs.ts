// wasi:filesystem for the app: the shim's Descriptor behind a guard that enforces read-only grants, keeps every path inside its preopen and makes every entry-changing call itself on a held directory.
import { linkSync, lstatSync, mkdirSync, renameSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DescriptorFlags, OpenFlags, PathFlags, ShimDescriptor, ShimFilesystem } from '../shim-adapter/shim.js';
import { dropResource, setDispose } from '../shim-adapter/resources.js';
import { DataQuota, measureDir } from './data-quota.js';
import { fsErrorCode } from '../shim-adapter/errors.js';
import { holdParent, isInside, nativeRealpath, type HeldParent } from './held-dir.js';
import type { Preopen } from '../../main-thread/preopens.js';

/** WASI filesystem error codes, thrown as the shim throws them (plain strings). */
const READ_ONLY = 'read-only';
const NOT_PERMITTED = 'not-permitted';

interface Root {
  /** Real host path of the preopen. */
  real: string;
  /** Guest path, for messages. */
  guest: string;
  writable: boolean;
  /** False under the test-only WEFT_UNSAFE_NO_JS_GUARD=1: every call passes straight to the shim. */
  checks: boolean;
  /** The data quota, for the app-data preopen when it is writable; null elsewhere. */
  quota: DataQuota | null;
}

/** The guest path the data quota applies to (the app's own data dir, not the user's Documents). */
const QUOTA_GUEST = '/data';
const QUOTA = 'quota';

type StreamWrite = (this: object, ...args: unknown[]) => unknown;

export interface GuardOptions {
  /** False only in tests that prove the kernel layer alone (WEFT_UNSAFE_NO_JS_GUARD=1). */
  checks: boolean;
  /** One line for weft-appd's log when the guard refuses something the app may not understand from the error code alone. */
  note: (message: string) => void;
  /** Bytes /data may hold ([limits] data_max_mb under the user's ceiling); null: no quota. */
  dataQuotaBytes: number | null;
  /** A wasi:io error carrying `payload` (for a stream write refused by the quota). */
  ioError: (payload: { code: string; message: string }) => object;
}

function dispose(inner: ShimDescriptor): void {
  dropResource(inner);
}

/** A symlink target the guard accepts: relative and never climbing (no `..` segment), so it can only lead further down. */
function symlinkTargetProblem(target: string): string | null {
  const clean = target.replace(/\\/g, '/');
  if (clean.startsWith('/')) return 'it is absolute';
  if (clean.split('/').includes('..')) return 'it contains ".."';
  return null;
}

/** Runs `act` with held parents, closing them whatever happens. */
function withHeld<T>(parents: (() => HeldParent)[], act: (held: HeldParent[]) => T): T {
  const held: HeldParent[] = [];
  try {
    for (const hold of parents) held.push(hold());
    return act(held);
  } finally {
    for (const h of held) h.close();
  }
}

function hostCall<T>(act: () => T): T {
  try {
    return act();
  } catch (cause) {
    throw typeof cause === 'string' ? cause : fsErrorCode(cause);
  }
}

/**
 * preview2-shim resolves each path segment by segment and refuses absolute paths, `..` above a
 * descriptor and symlink targets that climb out, but it works on path strings and then lets the
 * kernel resolve them again. This guard adds:
 * - read-only grants: every mutating call fails with `read-only`;
 * - every call that changes directory entries (mkdir, rmdir, unlink, symlink, link, rename) is
 *   made by the guard itself on a parent directory it opened and checked where the kernel says it
 *   is (`held-dir.ts`), and re-checked after the call (undone if the directory moved outside);
 * - symlinks are created only with relative, non-climbing targets (no `..`), so nothing the app
 *   leaves behind leads out, for the shim or for any host program;
 * - a descriptor remembers a host path: before every use the guard re-resolves it with the
 *   kernel-agreeing realpath and refuses if it no longer lies inside the preopen (a directory
 *   swapped for a symlink after it was opened lists or opens nothing outside);
 * - the preopen itself answers stat() and readDirectory() (the shim reports errors for both).
 */
/** Notes the guard writes per session at most: the app decides how often it is refused, and each note is a line in weft-appd's log. */
const MAX_NOTES = 10;

export function createGuardedFilesystem(shim: ShimFilesystem, preopens: readonly Preopen[], given: GuardOptions) {
  let notes = 0;
  const options: GuardOptions = {
    ...given,
    note: (message) => {
      notes += 1;
      if (notes <= MAX_NOTES) given.note(message);
      if (notes === MAX_NOTES) given.note(`filesystem guard: ${MAX_NOTES} notes written; further refusals in this session are not logged`);
    },
  };
  class Descriptor {
    readonly #inner: ShimDescriptor;
    readonly #root: Root;
    /** Host path when opened (null for the preopen itself, whose path is the root). */
    readonly #hostPath: string | null;

    constructor(inner: ShimDescriptor, root: Root, hostPath: string | null) {
      this.#inner = inner;
      this.#root = root;
      this.#hostPath = hostPath;
    }

    static close(descriptor: Descriptor): void {
      dispose(descriptor.#inner);
    }

    /** The descriptor's host path as remembered (what the shim will resolve). */
    get #path(): string {
      return this.#hostPath ?? this.#root.real;
    }

    /** The descriptor's current real path, refusing if it no longer lies inside its preopen. */
    #base(): string {
      if (!this.#root.checks) return this.#path;
      const real = nativeRealpath(this.#path);
      if (!isInside(this.#root.real, real)) throw NOT_PERMITTED;
      return real;
    }

    #writable(): void {
      if (!this.#root.writable && this.#root.checks) throw READ_ONLY;
    }

    #other(other: unknown): Descriptor {
      if (!(other instanceof Descriptor)) throw 'bad-descriptor';
      return other;
    }

    /** The parent of `path` under this descriptor, held and checked (see held-dir.ts). */
    #hold(path: string): HeldParent {
      return holdParent(this.#base(), path, this.#root.real);
    }

    /** After an entry-changing call: the held directories must still lie inside; otherwise `undo` and refuse. */
    #recheck(pairs: [HeldParent, Root][], undo: () => void): void {
      if (pairs.every(([held, root]) => held.stillInside(root.real))) return;
      try {
        undo();
      } catch {
        // the refusal below is what the app must learn; the entry is already gone or moved
      }
      options.note(`filesystem guard: a directory moved outside ${this.#root.guest} during a call; the call was undone`);
      throw NOT_PERMITTED;
    }

    /** Bytes of the regular file at `path` (0 for anything else or nothing). */
    #fileBytesAt(flags: PathFlags, path: string): number {
      try {
        const info = this.#inner.statAt(flags, path) as { type: string; size: bigint; linkCount: bigint };
        return info.type === 'regular-file' && info.linkCount === 1n ? Number(info.size) : 0;
      } catch {
        return 0;
      }
    }

    #preopenDirectory(): ShimDescriptor {
      return this.#inner.openAt({ symlinkFollow: false }, '.', { directory: true }, { read: true });
    }

    // ---- calls on the descriptor itself ----
    readViaStream(offset: bigint): unknown {
      return this.#inner.readViaStream(offset);
    }
    writeViaStream(offset: bigint): unknown {
      this.#writable();
      return this.#counted(this.#inner.writeViaStream(offset), Number(offset), false);
    }
    appendViaStream(): unknown {
      this.#writable();
      return this.#counted(this.#inner.appendViaStream(), 0, true);
    }

    /** The file's size now (0 when it cannot be read: the quota then counts every byte written). */
    #size(): number {
      try {
        return Number((this.#inner.stat() as { size: bigint }).size);
      } catch {
        return 0;
      }
    }

    /**
     * Counts what a write stream adds to the file against the quota. The stream stays the shim's
     * own object (jco checks its class); only its write methods are shadowed on the instance.
     */
    #counted(stream: unknown, start: number, append: boolean): unknown {
      const quota = this.#root.quota;
      if (!quota || typeof stream !== 'object' || stream === null) return stream;
      let position = start;
      let size = this.#size();
      const refusal = (): object => ({
        tag: 'last-operation-failed',
        val: options.ioError({ code: 'EDQUOT', message: `the data quota of ${quota.limitBytes} bytes for ${QUOTA_GUEST} is used up` }),
      });
      const counting = (name: string, length: (args: unknown[]) => number): void => {
        const original = (stream as Record<string, unknown>)[name];
        if (typeof original !== 'function') return;
        Object.defineProperty(stream, name, {
          configurable: true,
          value(this: object, ...args: unknown[]): unknown {
            const bytes = length(args);
            if (append) position = size;
            if (!quota.take(Math.max(0, position + bytes - size))) throw refusal();
            const result = (original as StreamWrite).apply(this, args);
            position += bytes;
            size = Math.max(size, position);
            return result;
          },
        });
      };
      const byBuffer = (args: unknown[]): number => (args[0] as Uint8Array).byteLength;
      const byLength = (index: number) => (args: unknown[]): number => Number(args[index] as bigint);
      counting('write', byBuffer);
      counting('blockingWriteAndFlush', byBuffer);
      counting('writeZeroes', byLength(0));
      counting('blockingWriteZeroesAndFlush', byLength(0));
      counting('splice', byLength(1));
      counting('blockingSplice', byLength(1));
      return stream;
    }
    advise(offset: bigint, length: bigint, advice: unknown): unknown {
      return this.#inner.advise(offset, length, advice);
    }
    syncData(): unknown {
      return this.#inner.syncData();
    }
    getFlags(): unknown {
      if (this.#hostPath === null) return { read: true, mutateDirectory: this.#root.writable };
      return this.#inner.getFlags();
    }
    getType(): unknown {
      return this.#inner.getType();
    }
    setSize(size: bigint): unknown {
      this.#writable();
      const quota = this.#root.quota;
      if (!quota) return this.#inner.setSize(size);
      const before = this.#size();
      if (!quota.take(Number(size) - before)) throw QUOTA;
      const result = this.#inner.setSize(size);
      if (Number(size) < before) quota.release(before - Number(size));
      return result;
    }
    setTimes(access: unknown, modification: unknown): unknown {
      this.#writable();
      return this.#inner.setTimes(access, modification);
    }
    read(length: bigint, offset: bigint): unknown {
      return this.#inner.read(length, offset);
    }
    write(buffer: Uint8Array, offset: bigint): unknown {
      this.#writable();
      const quota = this.#root.quota;
      if (quota && !quota.take(Number(offset) + buffer.byteLength - this.#size())) throw QUOTA;
      return this.#inner.write(buffer, offset);
    }
    readDirectory(): unknown {
      this.#base();
      if (this.#hostPath !== null) return this.#inner.readDirectory();
      const directory = this.#preopenDirectory();
      try {
        return directory.readDirectory();
      } finally {
        dispose(directory);
      }
    }
    sync(): unknown {
      return this.#inner.sync();
    }
    stat(): unknown {
      if (this.#hostPath !== null) return this.#inner.stat();
      this.#base();
      return this.#inner.statAt({ symlinkFollow: false }, '.');
    }
    isSameObject(other: unknown): boolean {
      return other === this;
    }
    metadataHash(): unknown {
      return this.#inner.metadataHash();
    }

    // ---- calls that read or open by a path relative to this descriptor ----
    statAt(flags: PathFlags, path: string): unknown {
      this.#base();
      return this.#inner.statAt(flags, path);
    }
    setTimesAt(flags: PathFlags, path: string, access: unknown, modification: unknown): unknown {
      this.#writable();
      this.#base();
      return this.#inner.setTimesAt(flags, path, access, modification);
    }
    readlinkAt(path: string): unknown {
      this.#base();
      return this.#inner.readlinkAt(path);
    }
    metadataHashAt(flags: PathFlags, path: string): unknown {
      this.#base();
      return this.#inner.metadataHashAt(flags, path);
    }
    openAt(flags: PathFlags, path: string, openFlags: OpenFlags, descriptorFlags: DescriptorFlags): Descriptor {
      const mutating = descriptorFlags.write || openFlags.create || openFlags.truncate;
      if (mutating) this.#writable();
      // mutate-directory asks for the right to change a directory's entries; on a read-only
      // preopen every such call is refused anyway, so drop the request rather than fail the open.
      const requested = !this.#root.writable && descriptorFlags.mutateDirectory ? { ...descriptorFlags, mutateDirectory: false } : descriptorFlags;
      const base = this.#base();
      // A file is created only in a directory the kernel places inside the preopen.
      if (openFlags.create && this.#root.checks) withHeld([() => this.#hold(path)], () => undefined);
      // A truncating open frees what the file held (saving by truncate-and-rewrite must not count twice).
      const truncated = openFlags.truncate && this.#root.quota ? this.#fileBytesAt(flags, path) : 0;
      const inner = this.#inner.openAt(flags, path, openFlags, requested);
      this.#root.quota?.release(truncated);
      const joined = join(base, path.replace(/\\/g, '/'));
      if (!this.#root.checks) return new Descriptor(inner, this.#root, joined);
      try {
        const opened = nativeRealpath(joined);
        if (!isInside(this.#root.real, opened)) throw NOT_PERMITTED;
        return new Descriptor(inner, this.#root, opened);
      } catch (refusal) {
        dispose(inner);
        throw refusal;
      }
    }

    // ---- calls that change directory entries: made here, on held parents ----
    createDirectoryAt(path: string): unknown {
      this.#writable();
      if (!this.#root.checks) return this.#inner.createDirectoryAt(path);
      return withHeld([() => this.#hold(path)], ([dir]) => {
        hostCall(() => mkdirSync(dir!.entry, { mode: 0o777 }));
        this.#recheck([[dir!, this.#root]], () => rmdirSync(dir!.entry));
        return undefined;
      });
    }
    removeDirectoryAt(path: string): unknown {
      this.#writable();
      if (!this.#root.checks) return this.#inner.removeDirectoryAt(path);
      return withHeld([() => this.#hold(path)], ([dir]) => {
        hostCall(() => rmdirSync(dir!.entry));
        this.#recheck([[dir!, this.#root]], () => undefined);
        return undefined;
      });
    }
    unlinkFileAt(path: string): unknown {
      this.#writable();
      if (!this.#root.checks) return this.#inner.unlinkFileAt(path);
      return withHeld([() => this.#hold(path)], ([dir]) => {
        // A file's last link gives its bytes back to the quota.
        const info = this.#root.quota ? lstatSync(dir!.entry, { throwIfNoEntry: false }) : undefined;
        hostCall(() => unlinkSync(dir!.entry));
        this.#recheck([[dir!, this.#root]], () => undefined);
        if (info?.isFile() && info.nlink === 1) this.#root.quota?.release(info.size);
        return undefined;
      });
    }
    symlinkAt(linkTarget: string, path: string): unknown {
      this.#writable();
      if (!this.#root.checks) return this.#inner.symlinkAt(linkTarget, path);
      const problem = symlinkTargetProblem(linkTarget);
      if (problem) {
        // Both names are the app's text: quoted, so no character of theirs can start a log line of its own.
        options.note(`filesystem guard: refused to create the symlink ${JSON.stringify(path)} -> ${JSON.stringify(linkTarget)} under ${this.#root.guest}: ${problem}; only relative targets without ".." are allowed`);
        throw NOT_PERMITTED;
      }
      return withHeld([() => this.#hold(path)], ([dir]) => {
        hostCall(() => symlinkSync(linkTarget, dir!.entry));
        this.#recheck([[dir!, this.#root]], () => unlinkSync(dir!.entry));
        return undefined;
      });
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: unknown, newPath: string): unknown {
      const other = this.#other(newDescriptor);
      this.#writable();
      other.#writable();
      if (!this.#root.checks) return this.#inner.linkAt(oldFlags, oldPath, other.#inner, newPath);
      // The old final component is never followed: following a planted symlink would link a host file in.
      return withHeld([() => this.#hold(oldPath), () => other.#hold(newPath)], ([from, to]) => {
        hostCall(() => linkSync(from!.entry, to!.entry));
        this.#recheck(
          [
            [from!, this.#root],
            [to!, other.#root],
          ],
          () => unlinkSync(to!.entry),
        );
        return undefined;
      });
    }
    renameAt(oldPath: string, newDescriptor: unknown, newPath: string): unknown {
      const other = this.#other(newDescriptor);
      this.#writable();
      other.#writable();
      if (!this.#root.checks) return this.#inner.renameAt(oldPath, other.#inner, newPath);
      return withHeld([() => this.#hold(oldPath), () => other.#hold(newPath)], ([from, to]) => {
        // A file replaced by the rename gives its bytes back (write-a-temp-then-rename saves).
        const replaced = other.#root.quota ? lstatSync(to!.entry, { throwIfNoEntry: false }) : undefined;
        hostCall(() => renameSync(from!.entry, to!.entry));
        this.#recheck(
          [
            [from!, this.#root],
            [to!, other.#root],
          ],
          () => renameSync(to!.entry, from!.entry),
        );
        if (replaced?.isFile() && replaced.nlink === 1) other.#root.quota?.release(replaced.size);
        return undefined;
      });
    }
  }
  // Dropping the handle closes the shim descriptor (and its host fd).
  setDispose(Descriptor, function (this: Descriptor) {
    Descriptor.close(this);
  });

  const shimPreopens = shim.createFilesystem({ preopens: Object.fromEntries(preopens.map((p) => [p.guest, p.host])) }).preopens.getDirectories();
  const directories: [Descriptor, string][] = shimPreopens.map(([inner, guest]) => {
    const preopen = preopens.find((p) => p.guest === guest);
    if (!preopen) throw new Error(`internal error: preview2-shim returned an unknown preopen ${guest}`);
    const quota =
      guest === QUOTA_GUEST && preopen.writable && options.dataQuotaBytes !== null ? new DataQuota(options.dataQuotaBytes, measureDir(preopen.host), guest, options.note) : null;
    return [new Descriptor(inner, { real: preopen.host, guest, writable: preopen.writable, checks: options.checks, quota }, null), guest];
  });

  return {
    types: {
      Descriptor,
      DirectoryEntryStream: shim.types.DirectoryEntryStream,
      filesystemErrorCode: shim.types.filesystemErrorCode,
    },
    preopens: {
      getDirectories: (): [Descriptor, string][] => [...directories],
    },
  };
}
