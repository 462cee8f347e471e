// bwrapArgs, the pure function from a confinement profile to bubblewrap's command line: namespaces, what is bound how, and the order bwrap needs.
import { describe, expect, it } from 'vitest';
import { BWRAP_INFO_FD, BWRAP_SECCOMP_FD, bwrapArgs } from '../../src/appd/sandbox/bwrap-args.js';
import type { HostLayout } from '../../src/appd/sandbox/host-layout.js';
import type { ConfinementProfile } from '../../src/appd/sandbox/profile.js';

const LAYOUT: HostLayout = {
  system: [
    { kind: 'dir', path: '/usr' },
    { kind: 'symlink', path: '/lib', target: 'usr/lib' },
  ],
  readOnly: ['/etc/ld.so.cache', '/tmp/weft/dist'],
  links: [{ path: '/tmp/weft/node_modules', target: '/work/main/node_modules' }],
  env: [['PATH', '/usr/local/bin:/usr/bin:/bin']],
};

const PROFILE: ConfinementProfile = {
  packageBinds: [{ source: '/s/.weft/installs/a-1', path: '/s/.weft/installs/a-1' }],
  symlinks: [{ path: '/s/org.a', target: '.weft/installs/a-1/package' }],
  dataBinds: [
    { path: '/h/data/org.a/data', writable: true },
    { path: '/h/Documents', writable: false },
  ],
  cacheDir: '/h/.cache/weft/apps/org.a',
  ipcSocket: '/run/weft/ipc-3.sock',
  network: false,
  sockets: ['/run/user/1/bus'],
  env: [['DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1/bus']],
};

const CMD = ['/usr/bin/node', '/tmp/weft/dist/bin/weft-runtime.js', 'org.a', '3'];

/** The [option, ...operands] groups in order, up to `--`. */
function groups(args: readonly string[]): string[][] {
  const arity: Record<string, number> = { '--ro-bind': 2, '--bind': 2, '--symlink': 2, '--setenv': 2, '--proc': 1, '--dev': 1, '--tmpfs': 1, '--remount-ro': 1, '--cap-drop': 1, '--info-fd': 1, '--seccomp': 1 };
  const out: string[][] = [];
  for (let i = 0; i < args.length && args[i] !== '--'; ) {
    const option = args[i] as string;
    const n = arity[option] ?? 0;
    out.push(args.slice(i, i + 1 + n));
    i += 1 + n;
  }
  return out;
}

describe('bwrapArgs', () => {
  const args = bwrapArgs(LAYOUT, PROFILE, CMD);
  const g = groups(args);
  const at = (...group: string[]) => g.findIndex((x) => x.join('\0') === group.join('\0'));

  it('new namespaces, no network, no nested user namespaces, pid 1, tied to appd, no terminal, no capabilities, a clean environment', () => {
    for (const flag of ['--unshare-all', '--unshare-user', '--disable-userns', '--as-pid-1', '--die-with-parent', '--new-session', '--clearenv']) expect(args).toContain(flag);
    expect(args).not.toContain('--share-net');
    expect(at('--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
    expect(at('--setenv', 'PATH', '/usr/local/bin:/usr/bin:/bin')).toBeGreaterThanOrEqual(0);
    expect(at('--setenv', 'DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1/bus')).toBeGreaterThanOrEqual(0);
  });

  it('a net grant shares the network; an old bwrap gets no --disable-userns', () => {
    expect(bwrapArgs(LAYOUT, { ...PROFILE, network: true }, CMD)).toContain('--share-net');
    const old = bwrapArgs(LAYOUT, PROFILE, CMD, { disableUserns: false });
    expect(old).not.toContain('--disable-userns');
    expect(old).not.toContain('--unshare-user');
  });

  it('binds: system and weft read-only, the install read-only, cache and rw data read-write, a read grant read-only, sockets', () => {
    expect(at('--ro-bind', '/usr', '/usr')).toBeGreaterThanOrEqual(0);
    expect(at('--symlink', 'usr/lib', '/lib')).toBeGreaterThanOrEqual(0);
    expect(at('--ro-bind', '/tmp/weft/dist', '/tmp/weft/dist')).toBeGreaterThanOrEqual(0);
    expect(at('--symlink', '/work/main/node_modules', '/tmp/weft/node_modules')).toBeGreaterThanOrEqual(0);
    expect(at('--ro-bind', '/s/.weft/installs/a-1', '/s/.weft/installs/a-1')).toBeGreaterThanOrEqual(0);
    expect(at('--symlink', '.weft/installs/a-1/package', '/s/org.a')).toBeGreaterThanOrEqual(0);
    expect(at('--bind', '/h/.cache/weft/apps/org.a', '/h/.cache/weft/apps/org.a')).toBeGreaterThanOrEqual(0);
    expect(at('--bind', '/h/data/org.a/data', '/h/data/org.a/data')).toBeGreaterThanOrEqual(0);
    expect(at('--ro-bind', '/h/Documents', '/h/Documents')).toBeGreaterThanOrEqual(0);
    expect(at('--bind', '/h/Documents', '/h/Documents')).toBe(-1);
    expect(at('--bind', '/run/weft/ipc-3.sock', '/run/weft/ipc-3.sock')).toBeGreaterThanOrEqual(0);
    expect(at('--ro-bind', '/run/user/1/bus', '/run/user/1/bus')).toBeGreaterThanOrEqual(0);
    // Nothing else is read-write.
    expect(g.filter((x) => x[0] === '--bind').map((x) => x[2])).toEqual(['/h/.cache/weft/apps/org.a', '/h/data/org.a/data', '/run/weft/ipc-3.sock']);
  });

  it('order: binds under /tmp after the tmpfs on /tmp; the root made read-only after every bind; info and seccomp fds; then the command', () => {
    const tmpfs = at('--tmpfs', '/tmp');
    expect(tmpfs).toBeGreaterThan(-1);
    expect(at('--ro-bind', '/tmp/weft/dist', '/tmp/weft/dist')).toBeGreaterThan(tmpfs);
    expect(at('--symlink', '/work/main/node_modules', '/tmp/weft/node_modules')).toBeGreaterThan(tmpfs);
    const remount = at('--remount-ro', '/');
    const lastBind = Math.max(...g.map((x, i) => (['--bind', '--ro-bind', '--symlink'].includes(x[0] as string) ? i : -1)));
    expect(remount).toBeGreaterThan(lastBind);
    expect(at('--info-fd', String(BWRAP_INFO_FD))).toBeGreaterThan(remount);
    expect(at('--seccomp', String(BWRAP_SECCOMP_FD))).toBeGreaterThan(remount);
    expect(args.slice(args.indexOf('--') + 1)).toEqual(CMD);
  });
});
