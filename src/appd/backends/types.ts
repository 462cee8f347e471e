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
}

export interface RuntimeProcess {
  /** stdin is a pipe appd holds open: the runtime exits when it reaches EOF (appd died). */
  child: RuntimeChild;
  stdout: LineReader;
  stderr: LineReader;
  backend: BackendName;
  /** True when a pre-started standby runtime was used. */
  warm: boolean;
}

export interface LaunchBackend {
  readonly name: BackendName;
  /** True when the kernel enforces [limits] (cgroups); appd then samples usage only to report it. */
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
