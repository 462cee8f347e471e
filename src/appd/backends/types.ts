// The launch backend interface: how a session's runtime process is started (directly, or inside a systemd scope).
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Limits } from '../../manifest/types.js';
import { runtimeArgv } from '../../protocol/runtime-argv.js';
import { CONTROL_FD } from '../../protocol/runtime-control.js';
import type { InstalledPackage } from '../../store/resolve.js';
import type { ConfinementProfile } from '../sandbox/profile.js';
import type { WarmRuntimes } from '../../protocol/messages.js';
import type { LineReader } from '../session/lines.js';

export type BackendName = 'direct' | 'systemd-scope';

/** A runtime child: stdin, stdout, stderr, then fd 3 (control) and, inside bubblewrap, fd 4 (bwrap's info). */
export type RuntimeChild = ChildProcessByStdio<Writable, Readable, Readable>;

export interface LaunchSpec {
  appId: string;
  sessionId: number;
  /** Granted data directories, decided once by appd; passed as --preopen and bound by the sandbox. */
  preopens: readonly { host: string; guest: string }[];
  ipcSocket: string | null;
  /** The install being launched, as appd resolved it. */
  installed: InstalledPackage;
  /** What the process may see, when the kernel sandbox is on. */
  profile: ConfinementProfile;
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
  /** The runtime's control channel (fd 3): the only source of READY and outcomes. */
  control: LineReader;
  backend: BackendName;
  /** Runs inside bubblewrap. */
  confined: boolean;
  /** The runtime's own pid (inside bubblewrap, the one bwrap reports), or null if it never started. */
  appPid: Promise<number | null>;
  /** Signals the runtime itself (not its bwrap wrapper). */
  kill(signal: NodeJS.Signals): void;
  /** True when a pre-started runtime was used (a standby, or the app's own warm runtime). */
  warm: boolean;
  /** True when it was the app's own warm runtime (warm-pool.ts). */
  warmApp?: boolean;
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
  /** Stops anything the backend keeps running on its own (standby and warm runtimes). */
  shutdown(): Promise<void>;
  /** The apps kept warm and the bounds on them, or null when this backend keeps none. */
  warmStatus(): WarmRuntimes | null;
}

/** The argv weft-runtime takes for this launch, with the control channel on fd 3. */
export function launchArgv(spec: LaunchSpec): string[] {
  return runtimeArgv({ appId: spec.appId, sessionId: spec.sessionId, preopens: spec.preopens, ipcSocket: spec.ipcSocket, controlFd: CONTROL_FD });
}
