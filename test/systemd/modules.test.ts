// src/systemd without a service manager: env parsing, notifier ordering/coalescing, unit rendering and install.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseInstallUnitsArgs, runInstallUnitsCli } from '../../src/systemd/install-units-cli.js';
import { installUnits, quoteExecArg, renderUnit, UNIT_FILES } from '../../src/systemd/install-units.js';
import { ListenFdsError, takeListenFds } from '../../src/systemd/listen-fds.js';
import { createSdNotifier, type SdNotifier } from '../../src/systemd/notify.js';
import { startWatchdog, watchdogIntervalMs } from '../../src/systemd/watchdog.js';

const scratch = mkdtempSync(join(tmpdir(), 'weft-systemd-modules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('takeListenFds', () => {
  it('returns fd 3 when LISTEN_PID is this process, and removes the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '4242', LISTEN_FDS: '1', LISTEN_FDNAMES: 'weft-appd.socket', OTHER: 'x' };
    expect(takeListenFds(env, 4242)).toEqual({ fd: 3, count: 1, names: ['weft-appd.socket'] });
    expect(env).toEqual({ OTHER: 'x' });
  });

  it('ignores sockets meant for another process (a parent that leaked its environment)', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1' };
    expect(takeListenFds(env, 4242)).toBeUndefined();
    expect(env).toEqual({});
  });

  it('returns undefined when not socket-activated', () => {
    expect(takeListenFds({}, 4242)).toBeUndefined();
  });

  it.each([
    [{ LISTEN_PID: '4242', LISTEN_FDS: '0' }, /LISTEN_FDS=0: systemd passed no socket/],
    [{ LISTEN_PID: '4242' }, /LISTEN_FDS=null is not a count/],
    [{ LISTEN_PID: '4242', LISTEN_FDS: 'two' }, /LISTEN_FDS="two" is not a count/],
    [{ LISTEN_PID: 'me', LISTEN_FDS: '1' }, /LISTEN_PID="me" is not a process id/],
    [{ LISTEN_FDS: '1' }, /LISTEN_FDS="1" is set but LISTEN_PID is not/],
  ])('rejects %j precisely', (env, message) => {
    expect(() => takeListenFds({ ...env }, 4242)).toThrow(ListenFdsError);
    expect(() => takeListenFds({ ...env }, 4242)).toThrow(message);
  });
});

describe('watchdogIntervalMs', () => {
  it('is half of WATCHDOG_USEC, in ms', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 7)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '7' }, 7)).toBe(1500);
  });

  it('is off without WATCHDOG_USEC or when WATCHDOG_PID names another process', () => {
    expect(watchdogIntervalMs({}, 7)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
  });

  it('rejects malformed values instead of silently never pinging', () => {
    expect(() => watchdogIntervalMs({ WATCHDOG_USEC: '3s' }, 7)).toThrow(/WATCHDOG_USEC="3s" is not a positive integer/);
    expect(() => watchdogIntervalMs({ WATCHDOG_USEC: '1000', WATCHDOG_PID: 'x' }, 7)).toThrow(/WATCHDOG_PID="x"/);
  });
});

describe('startWatchdog', () => {
  function fakeNotifier(): SdNotifier & { pings: number } {
    const n = {
      enabled: true,
      pings: 0,
      ready: () => Promise.resolve(),
      status: () => Promise.resolve(),
      stopping: () => Promise.resolve(),
      watchdog: () => {
        n.pings++;
        return Promise.resolve();
      },
    };
    return n;
  }

  it('pings at once, then every interval from the event loop; unsets the variables', () => {
    vi.useFakeTimers();
    try {
      const notifier = fakeNotifier();
      const env: NodeJS.ProcessEnv = { WATCHDOG_USEC: '2000000', WATCHDOG_PID: '7' };
      const handle = startWatchdog(notifier, { env, pid: 7 });
      expect(handle?.intervalMs).toBe(1000);
      expect(env).toEqual({});
      expect(notifier.pings).toBe(1);
      vi.advanceTimersByTime(3000);
      expect(notifier.pings).toBe(4);
      handle?.stop();
      vi.advanceTimersByTime(3000);
      expect(notifier.pings).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('skips pings while the health check fails', () => {
    vi.useFakeTimers();
    try {
      const notifier = fakeNotifier();
      let healthy = false;
      const handle = startWatchdog(notifier, { env: { WATCHDOG_USEC: '2000000' }, pid: 7, healthy: () => healthy });
      vi.advanceTimersByTime(2000);
      expect(notifier.pings).toBe(0);
      healthy = true;
      vi.advanceTimersByTime(1000);
      expect(notifier.pings).toBe(1);
      handle?.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('does nothing without a watchdog or with the no-op notifier', () => {
    expect(startWatchdog(fakeNotifier(), { env: {}, pid: 7 })).toBeUndefined();
    expect(startWatchdog(createSdNotifier({}), { env: { WATCHDOG_USEC: '2000000' }, pid: 7 })).toBeUndefined();
  });
});

describe('createSdNotifier', () => {
  /** A stand-in for systemd-notify that appends its arguments and NOTIFY_SOCKET to a file. */
  function recorder(name: string, delayMs = 0): { command: string; lines: () => string[] } {
    const log = join(scratch, `${name}.log`);
    const command = join(scratch, `${name}.sh`);
    writeFileSync(command, `#!/bin/sh\nsleep ${delayMs / 1000}\necho "$NOTIFY_SOCKET|$*" >> '${log}'\n`);
    chmodSync(command, 0o755);
    return { command, lines: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
  }

  it('is a no-op without NOTIFY_SOCKET', async () => {
    const notifier = createSdNotifier({});
    expect(notifier.enabled).toBe(false);
    await notifier.ready();
    await notifier.status('x');
  });

  it('sends in call order, one systemd-notify at a time, and hides NOTIFY_SOCKET from children', async () => {
    const { command, lines } = recorder('order', 50);
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/user/1/systemd/notify' };
    const notifier = createSdNotifier(env, { command });
    expect(env.NOTIFY_SOCKET).toBeUndefined();
    await Promise.all([notifier.ready(), notifier.status('first\nline'), notifier.stopping()]);
    expect(lines()).toEqual([
      '/run/user/1/systemd/notify|READY=1',
      '/run/user/1/systemd/notify|STATUS=first line',
      '/run/user/1/systemd/notify|STOPPING=1',
    ]);
  });

  it('coalesces a burst of STATUS updates into the latest text', async () => {
    const { command, lines } = recorder('status', 100);
    const notifier = createSdNotifier({ NOTIFY_SOCKET: '@sock' }, { command });
    const busy = notifier.ready();
    const sends = [1, 2, 3, 4].map((n) => notifier.status(`${n} sessions`));
    await Promise.all([busy, ...sends]);
    expect(lines()).toEqual(['@sock|READY=1', '@sock|STATUS=4 sessions']);
  });

  it('does not stack watchdog pings while one is in flight', async () => {
    const { command, lines } = recorder('ping', 200);
    const notifier = createSdNotifier({ NOTIFY_SOCKET: '@sock' }, { command });
    await Promise.all([notifier.watchdog(), notifier.watchdog(), notifier.watchdog()]);
    expect(lines()).toEqual(['@sock|WATCHDOG=1']);
  });

  it('reports a missing binary precisely and keeps going', async () => {
    const errors: string[] = [];
    const notifier = createSdNotifier({ NOTIFY_SOCKET: '@sock' }, { command: join(scratch, 'no-such-notify'), onError: (e) => errors.push(e.message) });
    await notifier.ready();
    expect(errors).toEqual([expect.stringMatching(/^sd_notify READY=1 was not delivered: `.*no-such-notify` is not installed or not in PATH/)]);
  });
});

describe('install-units', () => {
  it('quotes ExecStart words only when needed, and escapes specifiers and variables', () => {
    expect(quoteExecArg('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quoteExecArg('/opt/my apps/node')).toBe('"/opt/my apps/node"');
    expect(quoteExecArg('/opt/100%/$HOME/x')).toBe('/opt/100%%/$$HOME/x');
    expect(quoteExecArg('/a"b\\c d')).toBe('"/a\\"b\\\\c d"');
    expect(() => quoteExecArg('node')).toThrow(/not an absolute path/);
  });

  it('fills the placeholders and refuses to leave one behind', () => {
    const text = renderUnit('x.service', 'ExecStart=@NODE@ @WEFT_APPD_JS@\n', { node: '/n/$node', appdScript: '/a b/appd.js' });
    expect(text).toBe('ExecStart=/n/$$node "/a b/appd.js"\n');
    expect(() => renderUnit('x.service', 'X=@NEW_THING@', { node: '/n', appdScript: '/a' })).toThrow(/placeholder @NEW_THING@ has no value/);
  });

  it('writes the three units with real paths, and reports changes on a second run', async () => {
    const userDir = join(scratch, 'units');
    const appd = join(scratch, 'weft-appd.js');
    writeFileSync(appd, '');
    const first = await installUnits({ userDir, appdScript: appd, node: process.execPath });
    expect(first.units.map((u) => [u.name, u.change])).toEqual(UNIT_FILES.map((name) => [name, 'created']));
    const service = readFileSync(join(userDir, 'weft-appd.service'), 'utf8');
    expect(service).toContain(`ExecStart=${process.execPath} ${appd}\n`);
    expect(service).not.toMatch(/@[A-Z_]+@/);
    const again = await installUnits({ userDir, appdScript: appd, node: process.execPath });
    expect(again.units.every((u) => u.change === 'unchanged')).toBe(true);
    expect(again.ran).toEqual([]);
  });

  it('refuses to point ExecStart at a weft-appd.js that does not exist', async () => {
    await expect(installUnits({ userDir: join(scratch, 'u2'), appdScript: join(scratch, 'missing.js') })).rejects.toThrow(/missing\.js does not exist; build weft first/);
  });

  it('parses its command line', () => {
    expect(parseInstallUnitsArgs(['--user-dir', '/x', '--enable', '--now'])).toEqual({ userDir: '/x', enable: true, now: true });
    expect(parseInstallUnitsArgs(['--user-dir=/y'])).toEqual({ userDir: '/y' });
    expect(() => parseInstallUnitsArgs(['--now'])).toThrow(/--now only makes sense with --enable/);
    expect(() => parseInstallUnitsArgs(['--user-dir'])).toThrow(/--user-dir needs a value/);
    expect(() => parseInstallUnitsArgs(['--bogus'])).toThrow(/unknown argument "--bogus"/);
  });

  it('CLI: exit 2 on bad arguments, 0 with a next-step hint', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await runInstallUnitsCli(['--bogus'], io)).toBe(2);
    const appd = join(scratch, 'weft-appd.js');
    expect(await runInstallUnitsCli(['--user-dir', join(scratch, 'cli'), '--appd', appd], io)).toBe(0);
    expect(out.at(-1)).toBe('next: systemctl --user daemon-reload && systemctl --user enable --now weft-appd');
  });
});
