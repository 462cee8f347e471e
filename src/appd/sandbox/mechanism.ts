// Which kernel sandbox appd uses (WEFT_SANDBOX=auto|bwrap|js-only), probed once at start by running bubblewrap for real.
import { spawnSync } from 'node:child_process';
import type { Env } from '../../config/paths.js';
import { findOnPath } from '../backends/choose.js';

export type SandboxStatus =
  /**
   * Every runtime runs inside bubblewrap. `disableUserns`: this bwrap can stop the sandbox from
   * creating user namespaces of its own (`--disable-userns`, bubblewrap 0.8 and later).
   */
  | { kind: 'bwrap'; bwrap: string; disableUserns: boolean }
  /** No kernel layer; `accepted` when the user chose JS-only mode (WEFT_SANDBOX=js-only). */
  | { kind: 'off'; reason: string; accepted: boolean };

export type SandboxChoice = { ok: true; status: SandboxStatus } | { ok: false; message: string };

export const INSTALL_HINT = 'install bubblewrap (apt-get install bubblewrap)';

/** Runs the smallest real sandbox: the namespaces weft asks for (and `extra` options), around /bin/true. */
function bwrapWorks(bwrap: string, extra: readonly string[] = []): string | null {
  const probe = spawnSync(bwrap, ['--unshare-all', ...extra, '--die-with-parent', '--new-session', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
    encoding: 'utf8',
  });
  if (probe.error) return probe.error.message;
  if (probe.status !== 0) return (probe.stderr ?? '').trim().split('\n')[0] || `exit status ${probe.status}`;
  return null;
}

/** Decides the mechanism from WEFT_SANDBOX and what works on this machine. */
export function chooseSandbox(env: Env): SandboxChoice {
  const requested = env.WEFT_SANDBOX ?? 'auto';
  if (requested === 'js-only') return { ok: true, status: { kind: 'off', reason: 'WEFT_SANDBOX=js-only: the JavaScript guard alone', accepted: true } };
  if (requested !== 'auto' && requested !== 'bwrap' && requested !== '') {
    return { ok: false, message: `WEFT_SANDBOX="${requested}" is not a sandbox mode; use auto, bwrap or js-only` };
  }
  const bwrap = findOnPath('bwrap', env);
  const failure = bwrap === null ? null : bwrapWorks(bwrap);
  if (bwrap !== null && failure === null) {
    // An older bwrap without --disable-userns still confines; it only cannot forbid nested user namespaces.
    return { ok: true, status: { kind: 'bwrap', bwrap, disableUserns: bwrapWorks(bwrap, ['--unshare-user', '--disable-userns']) === null } };
  }
  const reason =
    bwrap === null
      ? `bwrap is not on PATH; ${INSTALL_HINT}`
      : `${bwrap} cannot build a sandbox here (${failure}); unprivileged user namespaces and AF_NETLINK must be allowed`;
  if (requested === 'bwrap') return { ok: false, message: `WEFT_SANDBOX=bwrap, but ${reason}; or set WEFT_SANDBOX=auto` };
  return { ok: true, status: { kind: 'off', reason, accepted: false } };
}

/** One line for logs and `weftctl status`: `bwrap` or `off (<reason>)`. */
export function describeSandbox(status: SandboxStatus): string {
  return status.kind === 'bwrap' ? `bwrap (${status.bwrap})` : `off (${status.reason})`;
}
