// appd's settings from the environment (and the --no-restore flag), with the documented defaults and precise errors for bad values.
import { readCeilings, type Ceilings } from '../config/ceilings.js';
import { integerSetting } from '../config/setting.js';
import { minIntervalSeconds } from '../manifest/schedules.js';
import { appdSocketPath, stateDir, type Env } from '../config/paths.js';
import type { WarmSettings } from './backends/warm-pool.js';

export interface AppdConfig {
  socketPath: string;
  /** True when the socket is the default $XDG_RUNTIME_DIR/weft/appd.sock (appd then keeps that dir 0700). */
  defaultSocket: boolean;
  /** Where IPC sockets and last-session.json live ($XDG_RUNTIME_DIR/weft). */
  stateDir: string;
  /** SIGTERM → SIGKILL grace period when stopping a session. */
  graceMs: number;
  /** Standby runtimes kept warm for the direct backend; 0 turns the pool off, and per-app warm runtimes with it. */
  standbyPoolSize: number;
  /** Per-app warm runtimes (direct backend): how many apps, idle eviction, memory ceiling. */
  warm: WarmSettings;
  restore: boolean;
  appShellBin: string | null;
  sampleIntervalMs: number;
  /** Sampling interval for a process near its memory limit and still growing. */
  sampleFastIntervalMs: number;
  cpuWindowMs: number;
  logLinesPerSecond: number;
  /** Unread bytes a client may leave in its socket before appd drops it. */
  maxClientUnreadBytes: number;
  /** Bytes of IPC_FORWARD payloads held for an app that is not reading. */
  ipcBufferBytes: number;
  historyLimit: number;
  historyMaxAgeMs: number;
  /** Live sessions (starting, running, stopping) at most; a launch past it is refused. */
  maxSessions: number;
  /** Connected clients at most; one more is told why and disconnected. */
  maxClients: number;
  /** The user's ceilings on [limits] (WEFT_MAX_MEMORY_MB, …): a manifest may lower them, never exceed them. */
  ceilings: Ceilings;
  /** WEFT_SCHEDULE_MIN_INTERVAL_S: the shortest gap allowed between a schedule's runs. */
  scheduleMinIntervalS: number;
  /** A request frame must arrive whole within this many ms of its first byte. */
  frameDeadlineMs: number;
  /** Bytes of half-received frames held across all clients at most. */
  maxPendingBytes: number;
  /** The WebSocket endpoint's TCP port on 127.0.0.1 (0 = any free port), or null when WEFT_APPD_WS_PORT=off. */
  wsPort: number | null;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  return integerSetting(env, name, fallback, min, max, (message) => new ConfigError(message));
}

/** WEFT_STANDBY: 0 turns the pool off, a number sets its size; anything else is an error. */
function standbySize(env: Env): number {
  return integer(env, 'WEFT_STANDBY', 2, 0, 16);
}

export function readConfig(env: Env, flags: { restore?: boolean } = {}): AppdConfig {
  const socketPath = appdSocketPath(env);
  const explicitSocket = Boolean(env.WEFT_APPD_SOCKET && env.WEFT_APPD_SOCKET.length > 0);
  const restoreEnv = env.WEFT_RESTORE;
  return {
    socketPath,
    defaultSocket: !explicitSocket,
    stateDir: stateDir(env),
    graceMs: integer(env, 'WEFT_GRACE_MS', 3000, 0, 600_000),
    standbyPoolSize: standbySize(env),
    warm: {
      // WEFT_STANDBY=0 means no warm process of any kind.
      maxApps: standbySize(env) === 0 ? 0 : integer(env, 'WEFT_WARM_APPS', 4, 0, 64),
      idleMs: integer(env, 'WEFT_WARM_IDLE_S', 600, 1, 86_400) * 1000,
      memoryBytes: integer(env, 'WEFT_WARM_MEMORY_MB', 512, 16, 65_536) * 1024 * 1024,
    },
    restore: flags.restore !== false && restoreEnv !== '0' && restoreEnv !== 'false',
    appShellBin: env.WEFT_APP_SHELL_BIN && env.WEFT_APP_SHELL_BIN.length > 0 ? env.WEFT_APP_SHELL_BIN : null,
    sampleIntervalMs: integer(env, 'WEFT_SAMPLE_MS', 250, 50, 60_000),
    sampleFastIntervalMs: integer(env, 'WEFT_SAMPLE_FAST_MS', 20, 5, 60_000),
    cpuWindowMs: integer(env, 'WEFT_CPU_WINDOW_MS', 3000, 250, 600_000),
    logLinesPerSecond: integer(env, 'WEFT_APP_LOG_RATE', 200, 1, 100_000),
    maxClientUnreadBytes: 8 * 1024 * 1024,
    ipcBufferBytes: integer(env, 'WEFT_IPC_BUFFER_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    historyLimit: integer(env, 'WEFT_HISTORY', 256, 0, 100_000),
    historyMaxAgeMs: 60 * 60 * 1000,
    // An idle session costs ~67 MiB, so 64 of them are already 4 GiB: past that a client launching
    // in a loop would take the desktop down. Clients cost one fd each; 256 leaves room under the
    // usual 1024-fd soft limit for the sessions' own fds.
    maxSessions: integer(env, 'WEFT_MAX_SESSIONS', 64, 1, 4096),
    maxClients: integer(env, 'WEFT_MAX_CLIENTS', 256, 1, 65_536),
    ceilings: readCeilings(env, (message) => new ConfigError(message)),
    scheduleMinIntervalS: minIntervalSeconds(env, (message) => new ConfigError(message)),
    // A local client sends a 4 MiB frame in well under a second; one that stalls mid-frame is
    // holding memory, not talking.
    frameDeadlineMs: integer(env, 'WEFT_FRAME_DEADLINE_MS', 10_000, 100, 600_000),
    // 16 whole maximum frames in flight at once; past that a client is dropped rather than buffered.
    maxPendingBytes: integer(env, 'WEFT_MAX_PENDING_BYTES', 64 * 1024 * 1024, 4 * 1024 * 1024 + 4, 4 * 1024 * 1024 * 1024),
    wsPort: env.WEFT_APPD_WS_PORT === 'off' ? null : integer(env, 'WEFT_APPD_WS_PORT', 7410, 0, 65_535),
  };
}
