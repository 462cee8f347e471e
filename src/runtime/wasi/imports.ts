// Builds the sandboxed WASI 0.2 import object for one session from preview2-shim pieces, keyed exactly as component.js asks.
import type { ImportName } from '../import-plan.js';
import { createGuardedFilesystem } from '../sandbox/guarded-fs.js';
import { gatedOutgoingHandler } from '../sandbox/http-gate.js';
import type { Preopen } from '../sandbox/preopens.js';
import type { ExitTracker } from './exit.js';
import { loadHttpShim, loadSocketsShim, type CoreShim } from './shim.js';
import type { Stdio } from './stdio.js';

export interface WasiSandbox {
  env: [string, string][];
  args: string[];
  preopens: Preopen[];
  /** Host patterns from net:fetch grants; wasi:http requests are checked against them. */
  fetchPatterns: string[];
}

class TerminalInput {}
class TerminalOutput {}

/**
 * One object per WASI interface the app imports. Mirrors WASIShim's `sandbox` (isolated env and
 * args, preopens only, network off) but loads only the shim modules the app needs, and swaps in
 * weft's own stdio, exit and guarded filesystem.
 */
export async function wasiImports(names: readonly ImportName[], sandbox: WasiSandbox, shim: CoreShim, stdio: Stdio, exit: ExitTracker): Promise<Record<string, object>> {
  const ifaces = new Set(names.map((n) => n.iface));
  const needs = (prefix: string): boolean => [...ifaces].some((i) => i.startsWith(prefix));
  const sockets = needs('wasi:sockets/') ? (await loadSocketsShim()).createSockets({ enableNetwork: false }) : null;
  const http = ifaces.has('wasi:http/types') || ifaces.has('wasi:http/outgoing-handler') ? await loadHttpShim() : null;
  const filesystem = needs('wasi:filesystem/') ? createGuardedFilesystem(shim.filesystem, sandbox.preopens) : null;

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
    'wasi:clocks/monotonic-clock': () => shim.clocks.monotonicClock,
    'wasi:clocks/wall-clock': () => shim.clocks.wallClock,
    'wasi:filesystem/preopens': () => filesystem!.preopens,
    'wasi:filesystem/types': () => filesystem!.types,
    'wasi:io/error': () => shim.io.error,
    'wasi:io/poll': () => shim.io.poll,
    'wasi:io/streams': () => shim.io.streams,
    'wasi:random/random': () => shim.random.random,
    'wasi:random/insecure': () => shim.random.insecure,
    'wasi:random/insecure-seed': () => shim.random.insecureSeed,
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
