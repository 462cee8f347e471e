// weft's own wasi:io classes, wall clock and empty filesystem, for sessions that need nothing of preview2-shim's I/O thread (see needsShimIo).

/** Base of every pollable such a session sees (all of them weft's timers, see poll.ts). */
export class Pollable {}

/** Bases of the stdio streams (stdio.ts); no other streams exist in such a session. */
export class InputStream {}
export class OutputStream {}

export const wallClock = {
  now(): { seconds: bigint; nanoseconds: number } {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
  },
  resolution(): { seconds: bigint; nanoseconds: number } {
    return { seconds: 0n, nanoseconds: 1e6 };
  },
};

/**
 * wasi:filesystem without preopens: no descriptor can ever be obtained, so the resource classes
 * exist only for component.js's checks. Serves apps that import wasi:filesystem (every
 * adapter-built one does) but were granted no directory.
 */
export const emptyFilesystem = {
  preopens: { getDirectories: (): [] => [] },
  types: {
    Descriptor: class Descriptor {},
    DirectoryEntryStream: class DirectoryEntryStream {},
    filesystemErrorCode: (): undefined => undefined,
  },
};
