// sd_notify for weft-appd: READY/STATUS/STOPPING/WATCHDOG sent through Debian's `systemd-notify` binary.
import { spawn } from 'node:child_process';

/**
 * Node has no AF_UNIX datagram sockets, so the message leaves from a `systemd-notify` child.
 * systemd 252's `systemd-notify` is race-free for that: it sends the message, then a BARRIER=1
 * datagram carrying a pipe, and stays alive until the manager has closed the pipe, i.e. until the
 * manager has processed (and attributed) the message. As root it also sends with its parent's PID
 * (our main PID) as credentials. Unprivileged, the credentials are its own PID, so the unit needs
 * `NotifyAccess=all` (attribution by cgroup). See docs/architecture/systemd.md for measurements.
 */
export interface SdNotifier {
  /** False for the no-op notifier (NOTIFY_SOCKET unset: not started by systemd as Type=notify). */
  readonly enabled: boolean;
  /** READY=1: the daemon is serving. Startup of a Type=notify unit completes here. */
  ready(): Promise<void>;
  /** STATUS=<text>: one line shown by `systemctl status`. Newlines are replaced by spaces. */
  status(text: string): Promise<void>;
  /** STOPPING=1: the daemon began shutting down on its own. */
  stopping(): Promise<void>;
  /** WATCHDOG=1: keep-alive; skipped when the previous ping is still in flight. */
  watchdog(): Promise<void>;
}

export interface SdNotifierOptions {
  /** Binary to run; default `systemd-notify` from PATH. */
  command?: string;
  /** Kill a `systemd-notify` that has not finished after this long (its own barrier wait is 5 s). */
  timeoutMs?: number;
  /** Remove NOTIFY_SOCKET from `env` so children (app runtimes) do not inherit it. Default true. */
  unsetEnvironment?: boolean;
  /** Called when a message could not be sent; default writes one line to stderr. */
  onError?: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Thrown (via onError) when `systemd-notify` fails; carries the message that was lost. */
export class NotifyError extends Error {
  constructor(
    readonly assignments: readonly string[],
    reason: string,
  ) {
    super(`sd_notify ${assignments.join(' ')} was not delivered: ${reason}`);
    this.name = 'NotifyError';
  }
}

class NoopNotifier implements SdNotifier {
  readonly enabled = false;
  ready(): Promise<void> {
    return Promise.resolve();
  }
  status(): Promise<void> {
    return Promise.resolve();
  }
  stopping(): Promise<void> {
    return Promise.resolve();
  }
  watchdog(): Promise<void> {
    return Promise.resolve();
  }
}

class SystemdNotifier implements SdNotifier {
  readonly enabled = true;
  /** Messages go out one `systemd-notify` at a time so the manager sees them in call order. */
  private tail: Promise<void> = Promise.resolve();
  private watchdogInFlight = false;
  /** A queued STATUS not yet sent: later status() calls replace its text instead of queueing more. */
  private pendingStatus: { text: string } | null = null;

  constructor(
    private readonly socket: string,
    private readonly command: string,
    private readonly timeoutMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  ready(): Promise<void> {
    return this.enqueue(['READY=1']);
  }

  status(text: string): Promise<void> {
    const line = text.replace(/[\r\n]+/g, ' ');
    if (this.pendingStatus) {
      this.pendingStatus.text = line;
      return this.tail;
    }
    const pending = { text: line };
    this.pendingStatus = pending;
    return this.enqueue(() => {
      this.pendingStatus = null;
      return [`STATUS=${pending.text}`];
    });
  }

  stopping(): Promise<void> {
    return this.enqueue(['STOPPING=1']);
  }

  watchdog(): Promise<void> {
    // A ping stuck behind a slow manager must not pile up more children every interval.
    if (this.watchdogInFlight) return this.tail;
    this.watchdogInFlight = true;
    return this.enqueue(['WATCHDOG=1']).finally(() => {
      this.watchdogInFlight = false;
    });
  }

  private enqueue(message: readonly string[] | (() => readonly string[])): Promise<void> {
    const next = this.tail.then(() => this.send(typeof message === 'function' ? message() : message));
    this.tail = next;
    return next;
  }

  private send(assignments: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      const fail = (reason: string): void => {
        this.onError(new NotifyError(assignments, reason));
        resolve();
      };
      // No shell in between: systemd-notify's parent must be this process (it reports getppid()).
      const child = spawn(this.command, [...assignments], {
        env: { ...process.env, NOTIFY_SOCKET: this.socket },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < 2000) stderr += chunk;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(
          error.code === 'ENOENT'
            ? `\`${this.command}\` is not installed or not in PATH (Debian: apt-get install systemd)`
            : `could not run \`${this.command}\`: ${error.message}`,
        );
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else if (signal) fail(`\`${this.command}\` killed by ${signal} after ${this.timeoutMs} ms`);
        else fail(`\`${this.command}\` exited with ${code}: ${stderr.trim() || 'no message'}`);
      });
    });
  }
}

function defaultOnError(error: Error): void {
  process.stderr.write(`weft: ${error.message}\n`);
}

/**
 * A notifier for this process: the real one when systemd passed NOTIFY_SOCKET, a no-op otherwise.
 * Abstract-namespace sockets (`@…`) are passed through; `systemd-notify` handles them.
 */
export function createSdNotifier(env: NodeJS.ProcessEnv = process.env, options: SdNotifierOptions = {}): SdNotifier {
  const socket = env.NOTIFY_SOCKET;
  if (options.unsetEnvironment ?? true) delete env.NOTIFY_SOCKET;
  if (!socket || socket.length === 0) return new NoopNotifier();
  return new SystemdNotifier(
    socket,
    options.command ?? 'systemd-notify',
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.onError ?? defaultOnError,
  );
}
