// weft-runtime's command line, built by appd and parsed by the runtime (WEFT's contract plus --standby and --control-fd), and the standby session line.
// Parsed by hand, no parser library, to keep the runtime's startup small.
import { CONTROL_FD_FLAG } from './runtime-control.js';

export interface PreopenArg {
  host: string;
  guest: string;
  /** As given, for messages. */
  text: string;
}

export interface SessionArgs {
  mode: 'session';
  appId: string;
  sessionId: string;
  preopens: PreopenArg[];
  ipcSocket: string | null;
  /** The control channel's descriptor (weft-appd passes 3), or null under a foreign supervisor such as WEFT's. */
  controlFd: number | null;
}

/** A warm runtime for one app: prepares that app as far as it goes without running it, then reads its session line like a standby. */
export interface WarmArgs {
  mode: 'warm';
  appId: string;
  controlFd: number | null;
}

export type RuntimeArgs = SessionArgs | { mode: 'standby'; controlFd: number | null } | WarmArgs | { mode: 'help' };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: weft-runtime <app_id> <session_id> [--preopen HOST::GUEST]... [--ipc-socket PATH] [--control-fd N]
       weft-runtime --standby [--control-fd N]   (preload, announce STANDBY, then read {"argv": [...]} as one JSON line on stdin)
       weft-runtime --warm <app_id> [--control-fd N]   (as --standby, but load, verify and compile that app first; it serves only that app)

Runs one session of an installed app. stdin is the parent-death pipe: EOF on it ends the session.`;

const SESSION_ID = /^[A-Za-z0-9._-]{1,64}$/;

function parsePreopen(text: string): PreopenArg {
  const split = text.lastIndexOf('::');
  if (split <= 0 || split === text.length - 2) {
    throw new UsageError(`--preopen "${text}": expected HOST::GUEST, e.g. --preopen /home/me/.local/share/weft/apps/org.example.app/data::/data`);
  }
  return { host: text.slice(0, split), guest: text.slice(split + 2), text };
}

function parseControlFd(text: string): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) < 3) throw new UsageError(`${CONTROL_FD_FLAG} "${text}": expected a descriptor number of 3 or more`);
  return Number(text);
}

export function parseArgs(argv: readonly string[]): RuntimeArgs {
  if (argv[0] === '--standby') {
    if (argv.length === 1) return { mode: 'standby', controlFd: null };
    if (argv.length === 3 && argv[1] === CONTROL_FD_FLAG) return { mode: 'standby', controlFd: parseControlFd(argv[2] as string) };
    if (argv.length === 2 && argv[1]?.startsWith(`${CONTROL_FD_FLAG}=`)) return { mode: 'standby', controlFd: parseControlFd(argv[1].slice(CONTROL_FD_FLAG.length + 1)) };
    throw new UsageError(`--standby takes no other arguments but ${CONTROL_FD_FLAG} (the session argv arrives on stdin)`);
  }
  if (argv[0] === '--warm') {
    const appId = argv[1];
    if (appId === undefined || appId.startsWith('--')) throw new UsageError('--warm needs the app id: weft-runtime --warm <app_id> [--control-fd N]');
    if (argv.length === 2) return { mode: 'warm', appId, controlFd: null };
    if (argv.length === 4 && argv[2] === CONTROL_FD_FLAG) return { mode: 'warm', appId, controlFd: parseControlFd(argv[3] as string) };
    throw new UsageError(`--warm takes the app id and no other arguments but ${CONTROL_FD_FLAG} (the session argv arrives on stdin)`);
  }
  if (argv.includes('--help') || argv.includes('-h')) return { mode: 'help' };
  const positional: string[] = [];
  const preopens: PreopenArg[] = [];
  let ipcSocket: string | null = null;
  let controlFd: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      return value;
    };
    switch (name) {
      case '--preopen':
        preopens.push(parsePreopen(takeValue()));
        break;
      case '--ipc-socket': {
        if (ipcSocket !== null) throw new UsageError('--ipc-socket given twice');
        const value = takeValue();
        if (value.length === 0) throw new UsageError('--ipc-socket needs a non-empty path');
        ipcSocket = value;
        break;
      }
      case CONTROL_FD_FLAG:
        if (controlFd !== null) throw new UsageError(`${CONTROL_FD_FLAG} given twice`);
        controlFd = parseControlFd(takeValue());
        break;
      case '--standby':
      case '--warm':
        throw new UsageError(`${name} must come first, and takes no session arguments (the session argv arrives on stdin)`);
      default:
        throw new UsageError(`unknown option ${name}`);
    }
  }
  if (positional.length !== 2) {
    throw new UsageError(positional.length < 2 ? 'expected <app_id> and <session_id>' : `unexpected argument "${positional[2]}"`);
  }
  const [appId, sessionId] = positional as [string, string];
  if (!SESSION_ID.test(sessionId)) throw new UsageError(`session id "${sessionId}" must be 1-64 characters of A-Z, a-z, 0-9, ".", "_", "-"`);
  return { mode: 'session', appId, sessionId, preopens, ipcSocket, controlFd };
}

/** What appd decides for one launch, turned into the runtime's argv by `runtimeArgv`. */
export interface RuntimeLaunch {
  appId: string;
  sessionId: number;
  preopens: readonly { host: string; guest: string }[];
  ipcSocket: string | null;
  controlFd: number | null;
}

/** `<app_id> <session_id> [--preopen H::G]... [--ipc-socket P] [--control-fd N]`: the argv `parseArgs` reads back. */
export function runtimeArgv(launch: RuntimeLaunch): string[] {
  return [
    launch.appId,
    String(launch.sessionId),
    ...launch.preopens.flatMap((p) => ['--preopen', `${p.host}::${p.guest}`]),
    ...(launch.ipcSocket !== null ? ['--ipc-socket', launch.ipcSocket] : []),
    ...(launch.controlFd !== null ? [CONTROL_FD_FLAG, String(launch.controlFd)] : []),
  ];
}

/** The argv appd starts a warm runtime for `appId` with. */
export function warmArgv(appId: string, controlFd: number | null): string[] {
  return ['--warm', appId, ...(controlFd !== null ? [CONTROL_FD_FLAG, String(controlFd)] : [])];
}

/** The line appd writes on a standby's (or a warm runtime's) stdin to hand it a session. */
export function standbySessionLine(argv: readonly string[]): string {
  return `${JSON.stringify({ argv })}\n`;
}

/** The session a standby was handed; a standby's own control fd carries over when the line names none. */
export function parseStandbyLine(line: string, standbyControlFd: number | null): SessionArgs {
  let argv: unknown;
  try {
    argv = (JSON.parse(line) as { argv?: unknown }).argv;
  } catch {
    throw new UsageError('standby: the session line is not JSON; expected {"argv": ["<app_id>", "<session_id>", ...]}');
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    throw new UsageError('standby: expected {"argv": [strings]} on stdin');
  }
  const parsed = parseArgs(argv as string[]);
  if (parsed.mode !== 'session') throw new UsageError('standby: the session argv must be "<app_id> <session_id> [options]"');
  return { ...parsed, controlFd: parsed.controlFd ?? standbyControlFd };
}
