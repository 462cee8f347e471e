// Turns a confinement profile into bubblewrap's command line around the runtime command (pure).
import type { HostLayout } from './host-layout.js';
import type { ConfinementProfile } from './profile.js';

/** The fd on which bubblewrap reports the sandboxed process's pid (JSON `child-pid`); fd 3 is the runtime's control channel. */
export const BWRAP_INFO_FD = 4;
/** The fd from which bubblewrap reads the seccomp filter (seccomp.ts) before it execs the runtime. */
export const BWRAP_SECCOMP_FD = 5;

/**
 * `--unshare-all` gives the process its own user, pid, ipc, uts, cgroup and network namespaces
 * (`--share-net` keeps the host network only for net:fetch grants); where bwrap supports it,
 * `--disable-userns` stops the process from creating user namespaces of its own (nested user
 * namespaces are a common way into kernel code that is otherwise out of reach), with
 * `--unshare-user`, which it requires (`--unshare-all` only tries, and skips it as root); `--as-pid-1` makes the
 * runtime the namespace's init, so appd signals it directly by the pid bwrap reports;
 * `--die-with-parent` and `--new-session` tie it to appd and cut it from any terminal;
 * `--clearenv` drops everything but the variables the runtime reads. The filesystem starts
 * empty: only what is bound below exists.
 */
export function bwrapArgs(layout: HostLayout, profile: ConfinementProfile, command: readonly string[], options: { disableUserns: boolean } = { disableUserns: true }): string[] {
  const args = [
    '--unshare-all',
    ...(options.disableUserns ? ['--unshare-user', '--disable-userns'] : []),
    ...(profile.network ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
    '--cap-drop',
    'ALL',
    '--clearenv',
  ];
  for (const [name, value] of [...layout.env, ...profile.env]) args.push('--setenv', name, value);
  for (const entry of layout.system) {
    if (entry.kind === 'dir') args.push('--ro-bind', entry.path, entry.path);
    else args.push('--symlink', entry.target, entry.path);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const path of layout.readOnly) args.push('--ro-bind', path, path);
  for (const link of layout.links) args.push('--symlink', link.target, link.path);
  for (const bind of profile.packageBinds) args.push('--ro-bind', bind.source, bind.path);
  for (const link of profile.symlinks) args.push('--symlink', link.target, link.path);
  if (profile.cacheDir !== null) args.push('--bind', profile.cacheDir, profile.cacheDir);
  for (const bind of profile.dataBinds) args.push(`${bind.writable ? '--bind' : '--ro-bind'}${bind.optional ? '-try' : ''}`, bind.path, bind.path);
  if (profile.ipcSocket !== null) args.push('--bind', profile.ipcSocket, profile.ipcSocket);
  for (const socket of profile.sockets) args.push('--ro-bind', socket, socket);
  // The root bwrap builds (a tmpfs holding the mount points) becomes read-only: what the app may
  // write is exactly the rw binds and /tmp, each its own mount.
  args.push('--remount-ro', '/');
  args.push('--info-fd', String(BWRAP_INFO_FD), '--seccomp', String(BWRAP_SECCOMP_FD), '--', ...command);
  return args;
}
