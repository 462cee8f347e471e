// weft's unit files and src/systemd modules under a real systemd --user, with a stand-in daemon instead of weft-appd.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installUnits } from '../../src/systemd/install-units.js';
import { REPO_ROOT } from '../support/fixture-apps.js';
import { APPD_SERVICE as SERVICE, appdMainPid, run, takeStopResults, userManagerForSuite, verifyInstalledUnits, waitFor, writeAppdTestDropIn } from './harness.js';

const standin = join(REPO_ROOT, 'test', 'systemd', 'fixtures', 'standin-appd.mjs');

/** One daemon instance's marks, keyed by its pid (the stand-in writes to $STANDIN_MARKS/<pid>/). */
function marksOf(dir: string, pid: number | string): Record<string, unknown> {
  const base = join(dir, String(pid));
  const out: Record<string, unknown> = {};
  if (!existsSync(base)) return out;
  for (const name of readdirSync(base)) {
    const text = readFileSync(join(base, name), 'utf8');
    try {
      out[name] = JSON.parse(text);
    } catch {
      out[name] = text;
    }
  }
  return out;
}

function ask(path: string): Promise<{ pid: number; activated: boolean; names: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(JSON.parse(text) as { pid: number; activated: boolean; names: string[] }));
    socket.on('error', reject);
  });
}

describe.skipIf(!process.env.WEFT_TEST_SYSTEMD)('systemd units with a stand-in daemon', () => {
  let marks: string;
  const sd = userManagerForSuite('standin', async (sd) => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'systemd', 'notify.js'))) throw new Error('dist/ is not built: run `npm run build` first');
    marks = join(sd.root, 'marks');
    mkdirSync(marks);
    await installUnits({ userDir: sd.unitDir, appdScript: standin, env: sd.env });
  });

  /** Rewrites the test drop-in, reloads, and resets failure counters. */
  async function configure(extra: string): Promise<void> {
    writeAppdTestDropIn(sd, {
      environment: `STANDIN_MARKS=${marks} STANDIN_SOCKET=${join(sd.runtimeDir, 'weft', 'appd.sock')}`,
      readWritePaths: [marks],
      resultsPath: join(marks, 'results'),
      extra,
    });
    await sd.mustSystemctl('daemon-reload');
    await sd.systemctl('reset-failed', SERVICE);
  }

  /** Lines `SERVICE_RESULT EXIT_CODE EXIT_STATUS` written by ExecStopPost=, oldest first; then cleared. */
  const results = (): string[] => takeStopResults(join(marks, 'results'));

  afterEach(async () => {
    // A failed test must not leave the daemon or the socket running into the next one.
    await sd.systemctl('stop', 'weft-appd.socket', SERVICE);
  });

  it('systemd-analyze verify accepts the installed units', async () => {
    const result = await verifyInstalledUnits(sd);
    expect(result.stderr + result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('start returns only after READY=1, and the unit is active with our STATUS', async () => {
    await configure('Environment=STANDIN_READY_DELAY_MS=1500');
    const before = Date.now();
    await sd.mustSystemctl('start', SERVICE);
    const after = Date.now();
    const pid = await appdMainPid(sd);
    const m = marksOf(marks, pid) as { ready?: { at: number }; started?: { notify: boolean } };
    expect(m.started?.notify).toBe(true);
    expect(m.ready, 'the daemon sent READY before start returned').toBeDefined();
    expect(m.ready!.at).toBeLessThanOrEqual(after);
    expect(after - before).toBeGreaterThanOrEqual(1500);
    const props = await sd.show(SERVICE, 'ActiveState', 'SubState', 'StatusText', 'NotifyAccess');
    expect(props).toMatchObject({ ActiveState: 'active', SubState: 'running', NotifyAccess: 'all' });
    await waitFor('STATUS=standin: serving', async () => ((await sd.show(SERVICE, 'StatusText')).StatusText === 'standin: serving' ? true : undefined));
    await sd.mustSystemctl('stop', SERVICE);
  });

  it('children inherit none of NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*', async () => {
    await configure('WatchdogSec=5s');
    await sd.mustSystemctl('start', 'weft-appd.socket');
    await ask(join(sd.runtimeDir, 'weft', 'appd.sock'));
    const pid = await appdMainPid(sd);
    const m = marksOf(marks, pid) as { 'child-env'?: string; started?: { listen: unknown; watchdogMs: number } };
    expect(m.started?.listen).not.toBeNull();
    expect(m.started?.watchdogMs).toBe(2500);
    expect(m['child-env']).toBeTypeOf('string');
    expect(m['child-env']).not.toMatch(/^(NOTIFY_SOCKET|LISTEN_PID|LISTEN_FDS|LISTEN_FDNAMES|WATCHDOG_USEC|WATCHDOG_PID)=/m);
    await sd.mustSystemctl('stop', 'weft-appd.socket', SERVICE);
  });

  it('the socket unit starts the daemon on first connection and hands it the socket', async () => {
    await configure('');
    await sd.mustSystemctl('start', 'weft-appd.socket');
    const socketPath = join(sd.runtimeDir, 'weft', 'appd.sock');
    expect((await sd.show(SERVICE, 'ActiveState')).ActiveState).toBe('inactive');
    const reply = await ask(socketPath);
    expect(reply.activated).toBe(true);
    expect(reply.names).toEqual(['weft-appd.socket']);
    expect(reply.pid).toBe(await appdMainPid(sd));
    // The daemon accepts before READY=1 (that is the point of socket activation); then it is active.
    await waitFor('the activated unit to become active', async () => ((await sd.show(SERVICE, 'ActiveState')).ActiveState === 'active' ? true : undefined));
    // The directory and socket modes the unit asks for.
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
    // A second connection reaches the same daemon: no second activation.
    expect((await ask(socketPath)).pid).toBe(reply.pid);
    await sd.mustSystemctl('stop', 'weft-appd.socket', SERVICE);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('a hung daemon (SIGSTOP) misses its watchdog pings and is restarted', async () => {
    await configure('WatchdogSec=2s');
    await sd.mustSystemctl('start', SERVICE);
    results();
    const first = await appdMainPid(sd);
    // Pings keep a healthy daemon alive well past the watchdog timeout.
    await sleep(4500);
    expect(await sd.show(SERVICE, 'MainPID', 'NRestarts')).toMatchObject({ MainPID: String(first), NRestarts: '0' });
    process.kill(first, 'SIGSTOP');
    const second = await waitFor(
      'a restarted daemon after the watchdog timeout',
      async () => {
        const p = await sd.show(SERVICE, 'MainPID', 'ActiveState', 'NRestarts');
        return p.ActiveState === 'active' && Number(p.MainPID) > 0 && Number(p.MainPID) !== first ? p : undefined;
      },
      20_000,
    );
    expect(Number(second.NRestarts)).toBeGreaterThanOrEqual(1);
    // SIGABRT is WatchdogSignal=; SERVICE_RESULT=watchdog is systemd's own verdict.
    expect(results()).toContain('watchdog killed ABRT');
    await sd.mustSystemctl('stop', SERVICE);
  });

  it('STOPPING=1 from a daemon that shuts down on its own puts the unit in deactivating', async () => {
    // The stand-in lingers 6 s after STOPPING=1, so even a loaded machine sees deactivating in time.
    await configure('Environment=STANDIN_STOP_DELAY_MS=6000');
    await sd.mustSystemctl('start', SERVICE);
    const pid = await appdMainPid(sd);
    await sd.mustSystemctl('kill', '--kill-who=main', '-s', 'SIGUSR1', SERVICE);
    await waitFor('ActiveState=deactivating', async () => ((await sd.show(SERVICE, 'ActiveState')).ActiveState === 'deactivating' ? true : undefined), 5500, 50);
    // Still the same, still running process: only the notification can have told systemd.
    expect(await appdMainPid(sd)).toBe(pid);
    await waitFor('the unit to become inactive after a clean exit', async () => ((await sd.show(SERVICE, 'ActiveState')).ActiveState === 'inactive' ? true : undefined));
    expect((await sd.show(SERVICE, 'NRestarts')).NRestarts).toBe('0');
  });

  it('install-units --enable --now enables and starts the socket and the service', async () => {
    await configure('');
    const cli = join(REPO_ROOT, 'dist', 'bin', 'weft-install-units.js');
    const result = await run(process.execPath, [cli, '--user-dir', sd.unitDir, '--appd', standin, '--enable', '--now'], sd.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ran       systemctl --user enable --now weft-appd.socket weft-appd.service');
    expect((await sd.systemctl('is-enabled', 'weft-appd.socket', SERVICE)).stdout.trim().split('\n')).toEqual(['enabled', 'enabled']);
    expect((await sd.show(SERVICE, 'ActiveState')).ActiveState).toBe('active');
    expect((await sd.show('weft-appd.socket', 'ActiveState')).ActiveState).toBe('active');
    await sd.mustSystemctl('disable', '--now', 'weft-appd.socket', SERVICE);
  });

  it('the README command `systemctl --user enable --now weft-appd` enables the socket too (Also=)', async () => {
    await configure('');
    await sd.mustSystemctl('enable', '--now', 'weft-appd');
    expect((await sd.systemctl('is-enabled', 'weft-appd.socket', SERVICE)).stdout.trim().split('\n')).toEqual(['enabled', 'enabled']);
    expect((await sd.show(SERVICE, 'ActiveState')).ActiveState).toBe('active');
    await sd.mustSystemctl('disable', '--now', 'weft-appd');
    expect((await sd.systemctl('is-enabled', 'weft-appd.socket')).stdout.trim()).toBe('disabled');
  });

  // systemd-notify is a child that, inside the unit's user namespace (PrivateUsers=yes), cannot
  // claim our PID: the manager attributes each message by the child's cgroup while the child
  // waits on its BARRIER=1. A lost READY=1 would show as a start that times out.
  it('READY=1 is attributed on every one of 25 starts', async () => {
    await configure('TimeoutStartSec=5s');
    for (let i = 0; i < 25; i++) {
      await sd.mustSystemctl('start', SERVICE);
      expect((await sd.show(SERVICE, 'ActiveState')).ActiveState).toBe('active');
      await sd.mustSystemctl('stop', SERVICE);
    }
    expect(results().filter((line) => !line.startsWith('success '))).toEqual([]);
  });
});
