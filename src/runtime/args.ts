// Parses weft-runtime's command line by hand (WEFT's contract plus --standby); no parser library, to keep startup small.

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
}

export type RuntimeArgs = SessionArgs | { mode: 'standby' } | { mode: 'help' };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: weft-runtime <app_id> <session_id> [--preopen HOST::GUEST]... [--ipc-socket PATH]
       weft-runtime --standby    (preload, print STANDBY, then read {"argv": [...]} as one JSON line on stdin)

Runs one session of an installed app. stdin is the parent-death pipe: EOF on it ends the session.`;

const SESSION_ID = /^[A-Za-z0-9._-]{1,64}$/;

function parsePreopen(text: string): PreopenArg {
  const split = text.lastIndexOf('::');
  if (split <= 0 || split === text.length - 2) {
    throw new UsageError(`--preopen "${text}": expected HOST::GUEST, e.g. --preopen /home/me/.local/share/weft/apps/org.example.app/data::/data`);
  }
  return { host: text.slice(0, split), guest: text.slice(split + 2), text };
}

export function parseArgs(argv: readonly string[]): RuntimeArgs {
  if (argv.length === 1 && argv[0] === '--standby') return { mode: 'standby' };
  if (argv.includes('--help') || argv.includes('-h')) return { mode: 'help' };
  const positional: string[] = [];
  const preopens: PreopenArg[] = [];
  let ipcSocket: string | null = null;
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
      case '--standby':
        throw new UsageError('--standby takes no other arguments (the session argv arrives on stdin)');
      default:
        throw new UsageError(`unknown option ${name}`);
    }
  }
  if (positional.length !== 2) {
    throw new UsageError(positional.length < 2 ? 'expected <app_id> and <session_id>' : `unexpected argument "${positional[2]}"`);
  }
  const [appId, sessionId] = positional as [string, string];
  if (!SESSION_ID.test(sessionId)) throw new UsageError(`session id "${sessionId}" must be 1-64 characters of A-Z, a-z, 0-9, ".", "_", "-"`);
  return { mode: 'session', appId, sessionId, preopens, ipcSocket };
}
