// The launch backend interface: how a session's runtime process is started (directly, or inside a systemd scope).
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Limits } from '../../manifest/types.js';
import type { LineReader } from '../session/lines.js';

export type BackendName = 'direct' | 'systemd-scope';

export type RuntimeChild = ChildProcessByStdio<Writable, Readable, Readable>;

export interface LaunchSpec {
  appId: string;
  sessionId: number;
  /** Runtime arguments after `<app_id> <session_id>` (`--preopen`, `--ipc-socket`). */
  extraArgs: string[];
  limits: Limits;
  /** How many times this session's runtime was restarted before this launch (0 for the first). */
  attempt: number;
}

/** The transient unit a runtime runs in (systemd-scope backend). */
export interface ScopeInfo {
  /** e.g. `weft-app-4711-3-0.scope`: appd's pid, the session id, the attempt. */
  unit: string;
  /** The scope's MemoryMax, MiB: the manifest's memory_max_mb plus headroom (a backstop; appd kills at the limit). */
  memoryMaxMb: number;
}

export interface RuntimeProcess {
  /** stdin is a pipe appd holds open: the runtime exits when it reaches EOF (appd died). */
  child: RuntimeChild;
  stdout: LineReader;
  stderr: LineReader;
  backend: BackendName;
  /** True when a pre-started standby runtime was used. */
  warm: boolean;
  /** Set by the systemd-scope backend. */
  scope?: ScopeInfo;
}

export interface LaunchBackend {
  readonly name: BackendName;
  /**
   * True when the kernel enforces [limits] (a cgroup): it throttles CPU to cpu_percent, so appd
   * does not kill for CPU, and it SIGKILLs at a MemoryMax above memory_max_mb, as a backstop to
   * appd's own RSS check (which applies with every backend).
   */
  readonly enforcesLimits: boolean;
  /** Starts the runtime. Spawn failures arrive as the child's `error` event, as with child_process. */
  launch(spec: LaunchSpec): RuntimeProcess;
  /** Stops anything the backend keeps running on its own (standby runtimes). */
  shutdown(): Promise<void>;
}

/** The argv weft-runtime takes: `<app_id> <session_id> [--preopen H::G]... [--ipc-socket P]`. */
export function runtimeArgv(spec: LaunchSpec): string[] {
  return [spec.appId, String(spec.sessionId), ...spec.extraArgs];
}
