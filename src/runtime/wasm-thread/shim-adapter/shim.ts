// Loads the preview2-shim modules the wasm thread needs, each only when first needed, typed as weft relies on them: the one place that imports preview2-shim.

/** A WASI interface implementation as the shim exports it: functions and resource classes by camelCase name. */
export type ShimInterface = Record<string, unknown>;

export type Constructor = new (...args: never[]) => object;

export interface ShimIo {
  error: { Error: Constructor } & ShimInterface;
  poll: { Pollable: Constructor; poll(list: object[]): Uint32Array } & ShimInterface;
  streams: { InputStream: Constructor; OutputStream: Constructor } & ShimInterface;
}

export interface ShimClocks {
  monotonicClock: { subscribeInstant(instant: bigint): object } & ShimInterface;
  wallClock: ShimInterface;
}

export interface ShimRandom {
  random: ShimInterface;
  insecure: ShimInterface;
  insecureSeed: ShimInterface;
}

/** wasi:filesystem path flags. */
export interface PathFlags {
  symlinkFollow?: boolean;
}
/** wasi:filesystem open flags. */
export interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
/** wasi:filesystem descriptor flags. */
export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  mutateDirectory?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
}

/**
 * The shim's filesystem Descriptor, typed as weft calls it through its guard (the guard forwards
 * the values it does not look at, so those stay `unknown`).
 */
export interface ShimDescriptor {
  readViaStream(offset: bigint): unknown;
  writeViaStream(offset: bigint): unknown;
  appendViaStream(): unknown;
  advise(offset: bigint, length: bigint, advice: unknown): unknown;
  syncData(): unknown;
  getFlags(): unknown;
  getType(): unknown;
  setSize(size: bigint): unknown;
  setTimes(access: unknown, modification: unknown): unknown;
  read(length: bigint, offset: bigint): unknown;
  write(buffer: Uint8Array, offset: bigint): unknown;
  readDirectory(): unknown;
  sync(): unknown;
  stat(): unknown;
  metadataHash(): unknown;
  createDirectoryAt(path: string): unknown;
  statAt(flags: PathFlags, path: string): unknown;
  setTimesAt(flags: PathFlags, path: string, access: unknown, modification: unknown): unknown;
  linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: ShimDescriptor, newPath: string): unknown;
  openAt(flags: PathFlags, path: string, openFlags: OpenFlags, descriptorFlags: DescriptorFlags): ShimDescriptor;
  readlinkAt(path: string): unknown;
  removeDirectoryAt(path: string): unknown;
  renameAt(oldPath: string, newDescriptor: ShimDescriptor, newPath: string): unknown;
  symlinkAt(target: string, path: string): unknown;
  unlinkFileAt(path: string): unknown;
  metadataHashAt(flags: PathFlags, path: string): unknown;
}

/**
 * The shim's `filesystem` module. `createFilesystem` is the shim's own (not WASI): it builds a
 * filesystem whose preopens are exactly the given guest → host map, instead of the module-level
 * preopens the shim otherwise serves.
 */
export interface ShimFilesystem {
  types: { Descriptor: Constructor; DirectoryEntryStream: Constructor; filesystemErrorCode(error: unknown): unknown };
  createFilesystem(options: { preopens: Record<string, string> }): { preopens: { getDirectories(): [ShimDescriptor, string][] } };
}

/** The shim's `sockets` module; `createSockets` is the shim's own: `enableNetwork: false` gives interfaces that refuse every socket. */
export interface ShimSockets {
  createSockets(options: { enableNetwork: boolean }): Record<string, ShimInterface>;
}

export interface ShimHttp {
  types: ShimInterface;
  outgoingHandler: { handle(request: unknown, options: unknown): unknown };
}

/**
 * The shim's streams, pollables and filesystem. Importing its `io` module starts the shim's own
 * I/O worker thread (a third Node environment: ~10 MiB RSS and ~25 ms CPU), which serves file,
 * socket, http and its own clock calls synchronously. Only sessions that need one of those load
 * it (`needsShimIo`); every other session runs on weft's own io/clocks (`wasi/own-io.ts`, `wasi/poll.ts`).
 */
export interface ShimIoParts {
  io: ShimIo;
  clocks: ShimClocks;
  filesystem: ShimFilesystem;
}

let shimIo: Promise<ShimIoParts> | null = null;
let random: Promise<ShimRandom> | null = null;
let sockets: Promise<ShimSockets> | null = null;
let http: Promise<ShimHttp> | null = null;

export function loadShimIo(): Promise<ShimIoParts> {
  shimIo ??= Promise.all([
    import('@bytecodealliance/preview2-shim/io'),
    import('@bytecodealliance/preview2-shim/clocks'),
    import('@bytecodealliance/preview2-shim/filesystem'),
  ]).then(([io, clocks, filesystem]) => ({
    io: io as unknown as ShimIo,
    clocks: clocks as unknown as ShimClocks,
    filesystem: filesystem as unknown as ShimFilesystem,
  }));
  return shimIo;
}

/** wasi:random (node:crypto only; no I/O thread). */
export function loadRandomShim(): Promise<ShimRandom> {
  random ??= import('@bytecodealliance/preview2-shim/random').then((m) => m as unknown as ShimRandom);
  return random;
}

/** wasi:sockets, loaded only for apps that import it (they get a network-less instance). */
export function loadSocketsShim(): Promise<ShimSockets> {
  sockets ??= import('@bytecodealliance/preview2-shim/sockets').then((m) => m as unknown as ShimSockets);
  return sockets;
}

/** wasi:http, loaded only for apps that import it (it pulls in node:http). */
export function loadHttpShim(): Promise<ShimHttp> {
  http ??= import('@bytecodealliance/preview2-shim/http').then((m) => m as unknown as ShimHttp);
  return http;
}
