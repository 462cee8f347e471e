// wasi:filesystem for the app: the shim's Descriptor behind a guard that enforces read-only grants and keeps every path inside its preopen.
import { realpathSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import type { ShimDescriptor, ShimFilesystem } from '../wasi/shim.js';
import { DISPOSE } from '../wasi/resource.js';
import type { Preopen } from './preopens.js';

/** WASI filesystem error codes, thrown as the shim throws them (plain strings). */
const READ_ONLY = 'read-only';
const NOT_PERMITTED = 'not-permitted';

interface PathFlags {
  symlinkFollow?: boolean;
}
interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  mutateDirectory?: boolean;
  [flag: string]: boolean | undefined;
}

type Disposable = Record<symbol, (() => void) | undefined>;

interface Root {
  /** Real host path of the preopen. */
  real: string;
  writable: boolean;
  /** False under the test-only WEFT_UNSAFE_NO_JS_GUARD=1: every call passes straight to the shim. */
  checks: boolean;
}

export interface GuardOptions {
  /** False only in tests that prove the kernel layer alone (WEFT_UNSAFE_NO_JS_GUARD=1). */
  checks: boolean;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

type Method = (...args: unknown[]) => unknown;

function call(inner: ShimDescriptor, name: string, ...args: unknown[]): unknown {
  return (inner[name] as Method).apply(inner, args);
}

/** The real path of `path`, mapping host errors to the codes the shim would give. */
function realpathOrThrow(path: string): string {
  try {
    return realpathSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw code === 'ENOENT' ? 'no-entry' : code === 'ENOTDIR' ? 'not-directory' : code === 'EACCES' ? 'access' : code === 'ELOOP' ? 'loop' : 'io';
  }
}

/**
 * preview2-shim already refuses absolute paths, `..` above a descriptor and absolute or escaping
 * symlink targets while it resolves a path. What it does not do, and this guard adds:
 * - read-only grants: every mutating call fails with `read-only`;
 * - descriptors opened from a preopen remember a host path, and the shim re-resolves it on each
 *   use: if that directory has since been replaced by a symlink (say the app renamed a planted
 *   link over it), the shim would follow it out. The guard re-checks that the descriptor's real
 *   path is still inside the preopen before every path-based call;
 * - symlinkAt refuses targets that would point outside the preopen, so the app cannot leave
 *   escape hatches for other programs;
 * - the preopen itself answers stat() and readDirectory() (the shim reports errors for both).
 */
export function createGuardedFilesystem(shim: ShimFilesystem, preopens: readonly Preopen[], options: GuardOptions) {
  class Descriptor {
    readonly #inner: ShimDescriptor;
    readonly #root: Root;
    /** Real host path when opened (null for the preopen itself, whose path is the root). */
    readonly #hostPath: string | null;

    constructor(inner: ShimDescriptor, root: Root, hostPath: string | null) {
      this.#inner = inner;
      this.#root = root;
      this.#hostPath = hostPath;
    }

    static close(descriptor: Descriptor): void {
      const inner = descriptor.#inner;
      (inner as unknown as Disposable)[DISPOSE]?.call(inner);
    }

    /** For calls spanning two directories (link, rename): both must be writable and still inside their preopens; returns the other's shim descriptor. */
    #writablePairWith(other: unknown): ShimDescriptor {
      if (!(other instanceof Descriptor)) throw 'bad-descriptor';
      this.#writable();
      other.#writable();
      this.#base();
      other.#base();
      return other.#inner;
    }

    /** The descriptor's current real path, refusing if it no longer lies inside its preopen. */
    #base(): string {
      if (!this.#root.checks) return this.#hostPath ?? this.#root.real;
      const real = realpathOrThrow(this.#hostPath ?? this.#root.real);
      if (!isInside(this.#root.real, real)) throw NOT_PERMITTED;
      return real;
    }

    #writable(): void {
      if (!this.#root.writable && this.#root.checks) throw READ_ONLY;
    }

    #preopenDirectory(): ShimDescriptor {
      return call(this.#inner, 'openAt', { symlinkFollow: false }, '.', { directory: true }, { read: true }) as ShimDescriptor;
    }

    // ---- calls on the descriptor itself ----
    readViaStream(offset: bigint): unknown {
      return call(this.#inner, 'readViaStream', offset);
    }
    writeViaStream(offset: bigint): unknown {
      this.#writable();
      return call(this.#inner, 'writeViaStream', offset);
    }
    appendViaStream(): unknown {
      this.#writable();
      return call(this.#inner, 'appendViaStream');
    }
    advise(offset: bigint, length: bigint, advice: unknown): unknown {
      return call(this.#inner, 'advise', offset, length, advice);
    }
    syncData(): unknown {
      return call(this.#inner, 'syncData');
    }
    getFlags(): unknown {
      if (this.#hostPath === null) return { read: true, mutateDirectory: this.#root.writable };
      return call(this.#inner, 'getFlags');
    }
    getType(): unknown {
      return call(this.#inner, 'getType');
    }
    setSize(size: bigint): unknown {
      this.#writable();
      return call(this.#inner, 'setSize', size);
    }
    setTimes(access: unknown, modification: unknown): unknown {
      this.#writable();
      return call(this.#inner, 'setTimes', access, modification);
    }
    read(length: bigint, offset: bigint): unknown {
      return call(this.#inner, 'read', length, offset);
    }
    write(buffer: Uint8Array, offset: bigint): unknown {
      this.#writable();
      return call(this.#inner, 'write', buffer, offset);
    }
    readDirectory(): unknown {
      this.#base();
      if (this.#hostPath !== null) return call(this.#inner, 'readDirectory');
      const directory = this.#preopenDirectory();
      try {
        return call(directory, 'readDirectory');
      } finally {
        (directory as unknown as Disposable)[DISPOSE]?.call(directory);
      }
    }
    sync(): unknown {
      return call(this.#inner, 'sync');
    }
    stat(): unknown {
      if (this.#hostPath !== null) return call(this.#inner, 'stat');
      this.#base();
      return call(this.#inner, 'statAt', { symlinkFollow: false }, '.');
    }
    isSameObject(other: unknown): boolean {
      return other === this;
    }
    metadataHash(): unknown {
      return call(this.#inner, 'metadataHash');
    }

    // ---- calls that take a path relative to this descriptor ----
    createDirectoryAt(path: string): unknown {
      this.#writable();
      this.#base();
      return call(this.#inner, 'createDirectoryAt', path);
    }
    statAt(flags: PathFlags, path: string): unknown {
      this.#base();
      return call(this.#inner, 'statAt', flags, path);
    }
    setTimesAt(flags: PathFlags, path: string, access: unknown, modification: unknown): unknown {
      this.#writable();
      this.#base();
      return call(this.#inner, 'setTimesAt', flags, path, access, modification);
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: unknown, newPath: string): unknown {
      return call(this.#inner, 'linkAt', oldFlags, oldPath, this.#writablePairWith(newDescriptor), newPath);
    }
    openAt(flags: PathFlags, path: string, openFlags: OpenFlags, descriptorFlags: DescriptorFlags): Descriptor {
      const mutating = descriptorFlags.write || openFlags.create || openFlags.truncate;
      if (mutating && !this.#root.writable && this.#root.checks) throw READ_ONLY;
      // mutate-directory asks for the right to change a directory's entries; on a read-only
      // preopen every such call is refused anyway, so drop the request rather than fail the open.
      const requested = !this.#root.writable && descriptorFlags.mutateDirectory ? { ...descriptorFlags, mutateDirectory: false } : descriptorFlags;
      const base = this.#base();
      const inner = call(this.#inner, 'openAt', flags, path, openFlags, requested) as ShimDescriptor;
      let opened: string;
      try {
        const joined = join(base, path.replace(/\\/g, '/'));
        opened = this.#root.checks ? realpathOrThrow(joined) : joined;
        if (!isInside(this.#root.real, opened) && this.#root.checks) throw NOT_PERMITTED;
      } catch (refusal) {
        (inner as unknown as Disposable)[DISPOSE]?.call(inner);
        throw refusal;
      }
      return new Descriptor(inner, this.#root, opened);
    }
    readlinkAt(path: string): unknown {
      this.#base();
      return call(this.#inner, 'readlinkAt', path);
    }
    removeDirectoryAt(path: string): unknown {
      this.#writable();
      this.#base();
      return call(this.#inner, 'removeDirectoryAt', path);
    }
    renameAt(oldPath: string, newDescriptor: unknown, newPath: string): unknown {
      return call(this.#inner, 'renameAt', oldPath, this.#writablePairWith(newDescriptor), newPath);
    }
    symlinkAt(linkTarget: string, path: string): unknown {
      this.#writable();
      const base = this.#base();
      const target = linkTarget.replace(/\\/g, '/');
      if (!this.#root.checks) return call(this.#inner, 'symlinkAt', linkTarget, path);
      if (target.startsWith('/')) throw NOT_PERMITTED;
      // Where the link would point, resolved from the real directory that will hold it.
      const parent = realpathOrThrow(dirname(join(base, path.replace(/\\/g, '/'))));
      if (!isInside(this.#root.real, normalize(join(parent, target)))) throw NOT_PERMITTED;
      return call(this.#inner, 'symlinkAt', linkTarget, path);
    }
    unlinkFileAt(path: string): unknown {
      this.#writable();
      this.#base();
      return call(this.#inner, 'unlinkFileAt', path);
    }
    metadataHashAt(flags: PathFlags, path: string): unknown {
      this.#base();
      return call(this.#inner, 'metadataHashAt', flags, path);
    }
  }
  // Dropping the handle closes the shim descriptor (and its host fd).
  Object.defineProperty(Descriptor.prototype, DISPOSE, {
    value(this: Descriptor) {
      Descriptor.close(this);
    },
  });

  const shimPreopens = shim.createFilesystem({ preopens: Object.fromEntries(preopens.map((p) => [p.guest, p.host])) }).preopens.getDirectories();
  const directories: [Descriptor, string][] = shimPreopens.map(([inner, guest]) => {
    const preopen = preopens.find((p) => p.guest === guest);
    if (!preopen) throw new Error(`internal error: preview2-shim returned an unknown preopen ${guest}`);
    return [new Descriptor(inner, { real: preopen.host, writable: preopen.writable, checks: options.checks }, null), guest];
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
