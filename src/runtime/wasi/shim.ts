// Loads the preview2-shim pieces the wasm thread needs, each only when first needed, with the little typing weft relies on.

/** A WASI interface implementation as the shim exports it: functions and resource classes by camelCase name. */
export type ShimInterface = Record<string, unknown>;

export type Constructor = new (...args: never[]) => object;

export interface ShimIo {
  error: ShimInterface;
  poll: ShimInterface;
  streams: { InputStream: Constructor; OutputStream: Constructor } & ShimInterface;
}

export interface ShimClocks {
  monotonicClock: { subscribeDuration(nanoseconds: bigint): object } & ShimInterface;
  wallClock: ShimInterface;
}

export interface ShimRandom {
  random: ShimInterface;
  insecure: ShimInterface;
  insecureSeed: ShimInterface;
}

/** The methods of the shim's filesystem Descriptor that weft calls through its guard. */
export interface ShimDescriptor {
  [method: string]: unknown;
}

export interface ShimFilesystem {
  types: { Descriptor: Constructor; DirectoryEntryStream: Constructor; filesystemErrorCode(error: unknown): unknown };
  createFilesystem(options: { preopens: Record<string, string> }): { preopens: { getDirectories(): [ShimDescriptor, string][] } };
}

export interface ShimSockets {
  createSockets(options: { enableNetwork: boolean }): Record<string, ShimInterface>;
}

export interface ShimHttp {
  types: ShimInterface;
  outgoingHandler: { handle(request: unknown, options: unknown): unknown };
}

/**
 * The pieces every app needs. Importing `io` starts the shim's own I/O worker thread (it serves
 * file, clock and poll calls synchronously), so this runs once, early: at worker boot, or in
 * standby before any session exists.
 */
export interface CoreShim {
  io: ShimIo;
  clocks: ShimClocks;
  random: ShimRandom;
  filesystem: ShimFilesystem;
}

let core: Promise<CoreShim> | null = null;
let sockets: Promise<ShimSockets> | null = null;
let http: Promise<ShimHttp> | null = null;

export function loadCoreShim(): Promise<CoreShim> {
  core ??= Promise.all([
    import('@bytecodealliance/preview2-shim/io'),
    import('@bytecodealliance/preview2-shim/clocks'),
    import('@bytecodealliance/preview2-shim/random'),
    import('@bytecodealliance/preview2-shim/filesystem'),
  ]).then(([io, clocks, random, filesystem]) => ({
    io: io as unknown as ShimIo,
    clocks: clocks as unknown as ShimClocks,
    random: random as unknown as ShimRandom,
    filesystem: filesystem as unknown as ShimFilesystem,
  }));
  return core;
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
