// How a session's end reads in words ("exited (code 7)", "killed (signal SIGKILL): …"), for weftctl and for appd's restart messages alike.
import type { ExitInfo } from './messages.js';

/** Any exit-like record: an ExitInfo, or a stopped event whose fields may be missing. */
export type ExitLike = { exit_code?: ExitInfo['exit_code'] | undefined; signal?: ExitInfo['signal'] | undefined; reason?: string | undefined; message?: string | undefined };

export function describeExit(exit: ExitLike): string {
  const how = exit.signal ? `signal ${exit.signal}` : exit.exit_code !== undefined && exit.exit_code !== null ? `code ${exit.exit_code}` : null;
  return `${exit.reason ?? 'stopped'}${how ? ` (${how})` : ''}${exit.message ? `: ${exit.message}` : ''}`;
}
