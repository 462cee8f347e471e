// Builds the sandboxed WASI 0.2 import object for one session, keyed exactly as component.js asks: weft's own io, clocks and stdio,
// preview2-shim's random, and the shim's filesystem / sockets / http only for sessions that need them.
import type { ImportName } from '../../both-threads/import-name.js';
import { createGuardedFilesystem } from '../sandbox/guarded-fs.js';
import { gatedOutgoingHandler } from '../sandbox/http-gate.js';
import type { Preopen } from '../../main-thread/preopens.js';
import { say } from '../../both-threads/say.js';
import type { ExitTracker } from './exit.js';
import * as own from './own-io.js';
import { createPolling, type ArrivalSignal, type Polling } from './poll.js';
import { IoError } from '../shim-adapter/errors.js';
import { loadHttpShim, loadSocketsShim, type ShimIoParts, type ShimRandom } from '../shim-adapter/shim.js';
import { createStdio, type Stdio } from './stdio.js';

export interface WasiSandbox {
  env: [string, string][];
  args: string[];
  preopens: Preopen[];
  /** Host patterns from net:fetch grants; wasi:http requests are checked against them. */
  fetchPatterns: string[];
  /** False only under the test-only `WEFT_UNSAFE_NO_JS_GUARD=1` (see jsGuardEnabled): the filesystem guard then checks nothing. */
  jsGuard: boolean;
  /** Bytes /data may hold: [limits] data_max_mb lowered to the user's WEFT_MAX_DATA_MB. */
  dataQuotaBytes: number;
}

class TerminalInput {}
class TerminalOutput {}

/** What a session's WASI is built from. */
export interface WasiBackend {
  /** preview2-shim's I/O side when the session needs it (`needsShimIo`), else null: weft's own classes serve. */
  shimIo: ShimIoParts | null;
  random: ShimRandom;
  /** Bumped by the main thread when a message arrives for the app; ends short timer waits early. */
  arrivals: ArrivalSignal | null;
  /** Longest timer an arrival may end early (ms); 0: none. */
  earlyWakeMs: number;
}

/** The session's io classes, timers and stdio, needed before the import object (READY is written through stdio). */
export interface WasiBase {
  backend: WasiBackend;
  io: { error: object; poll: object; streams: object };
  polling: Polling;
  stdio: Stdio;
}

export function createWasiBase(backend: WasiBackend): WasiBase {
  const shim = backend.shimIo;
  const polling = createPolling({
    Pollable: shim ? shim.io.poll.Pollable : own.Pollable,
    shim: shim ? { poll: (list) => shim.io.poll.poll(list), subscribeInstant: (instant) => shim.clocks.monotonicClock.subscribeInstant(instant) } : null,
    arrivals: backend.arrivals,
    earlyWakeMs: backend.earlyWakeMs,
  });
  const streams = shim ? shim.io.streams : { InputStream: own.InputStream, OutputStream: own.OutputStream };
  return {
    backend,
    io: { error: shim ? shim.io.error : { Error: IoError }, poll: polling.poll, streams },
    polling,
    stdio: createStdio(streams, polling.readyPollable),
  };
}

/**
 * One object per WASI interface the app imports. Mirrors WASIShim's `sandbox` (isolated env and
 * args, preopens only, network off) but loads only the shim modules the app needs, and swaps in
 * weft's own stdio, exit, timers and guarded filesystem.
 */
export async function wasiImports(names: readonly ImportName[], sandbox: WasiSandbox, base: WasiBase, exit: ExitTracker): Promise<Record<string, object>> {
  const { shimIo, random } = base.backend;
  const { stdio } = base;
  const ifaces = new Set(names.map((n) => n.iface));
  const needs = (prefix: string): boolean => [...ifaces].some((i) => i.startsWith(prefix));
  const sockets = needs('wasi:sockets/') ? (await loadSocketsShim()).createSockets({ enableNetwork: false }) : null;
  const http = ifaces.has('wasi:http/types') || ifaces.has('wasi:http/outgoing-handler') ? await loadHttpShim() : null;
  const filesystem = !needs('wasi:filesystem/') ? null : shimIo && sandbox.preopens.length > 0 ? createGuardedFilesystem(shimIo.filesystem, sandbox.preopens, {
            checks: sandbox.jsGuard,
            note: say,
            dataQuotaBytes: sandbox.dataQuotaBytes,
            ioError: (payload) => new (base.io.error as { Error: new (payload: unknown) => object }).Error(payload),
          }) : own.emptyFilesystem;

  const byInterface: Record<string, () => object> = {
    'wasi:cli/environment': () => ({
      getEnvironment: () => sandbox.env,
      getArguments: () => sandbox.args,
      initialCwd: () => undefined,
    }),
    'wasi:cli/exit': () => exit.exit,
    'wasi:cli/stdin': () => ({ getStdin: () => stdio.stdin }),
    'wasi:cli/stdout': () => ({ getStdout: () => stdio.stdout }),
    'wasi:cli/stderr': () => ({ getStderr: () => stdio.stderr }),
    'wasi:cli/terminal-input': () => ({ TerminalInput }),
    'wasi:cli/terminal-output': () => ({ TerminalOutput }),
    // No terminal: weft's stdio are pipes to weft-appd.
    'wasi:cli/terminal-stdin': () => ({ getTerminalStdin: () => undefined }),
    'wasi:cli/terminal-stdout': () => ({ getTerminalStdout: () => undefined }),
    'wasi:cli/terminal-stderr': () => ({ getTerminalStderr: () => undefined }),
    'wasi:clocks/monotonic-clock': () => base.polling.monotonicClock,
    'wasi:clocks/wall-clock': () => own.wallClock,
    'wasi:filesystem/preopens': () => filesystem!.preopens,
    'wasi:filesystem/types': () => filesystem!.types,
    'wasi:io/error': () => base.io.error,
    'wasi:io/poll': () => base.io.poll,
    'wasi:io/streams': () => base.io.streams,
    'wasi:random/random': () => random.random,
    'wasi:random/insecure': () => random.insecure,
    'wasi:random/insecure-seed': () => random.insecureSeed,
    'wasi:sockets/instance-network': () => sockets!.instanceNetwork!,
    'wasi:sockets/ip-name-lookup': () => sockets!.ipNameLookup!,
    'wasi:sockets/network': () => sockets!.network!,
    'wasi:sockets/tcp': () => sockets!.tcp!,
    'wasi:sockets/tcp-create-socket': () => sockets!.tcpCreateSocket!,
    'wasi:sockets/udp': () => sockets!.udp!,
    'wasi:sockets/udp-create-socket': () => sockets!.udpCreateSocket!,
    'wasi:http/types': () => http!.types,
    'wasi:http/outgoing-handler': () => gatedOutgoingHandler(http, sandbox.fetchPatterns),
  };

  const imports: Record<string, object> = {};
  for (const name of names) {
    const provide = byInterface[name.iface];
    if (!provide) throw new Error(`internal error: no provider for ${name.key}`);
    imports[name.key] = provide();
  }
  return imports;
}
