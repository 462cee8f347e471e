// The real weft-appd under a private systemd --user: READY, scopes in weft-apps.slice, limits, watchdog, socket activation, clean stop.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpSync, existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installUnits } from '../../src/systemd/install-units.js';
import { fixtureAppId, FIXTURE_APPS_DIR, REPO_ROOT } from '../support/fixture-apps.js';
import { pidExists } from '../support/processes.js';
import {
  APPD_SERVICE as SERVICE,
  appdMainPid,
  cgroupOf,
  run,
  tail,
  takeStopResults,
  trackingCgroupDir,
  userManagerForSuite,
  verifyInstalledUnits,
  waitFor,
  writeAppdTestDropIn,
} from './harness.js';

const weftctl = join(REPO_ROOT, 'dist', 'bin', 'weftctl.js');
const APPS = ['counter', 'memhog', 'hello'];

interface SessionState {
  session_id: number;
  app_id: string;
  state: string;
  pid: number | null;
  backend: string;
  exit: { reason?: string; signal?: string | null; exit_code?: number | null; message?: string } | null;
}

describe.skipIf(!process.env.WEFT_TEST_SYSTEMD)('weft-appd under systemd --user', () => {
  let store: string;
  let results: string;
  const ids: Record<string, string> = {};
  const sd = userManagerForSuite('appd', async (sd) => {
    for (const file of ['bin/weft-appd.js', 'bin/weftctl.js', 'bin/weft-runtime.js', 'systemd/notify.js']) {
      if (!existsSync(join(REPO_ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first`);
    }
    store = join(sd.root, 'store');
    results = join(sd.root, 'stop-results');
    for (const app of APPS) {
      const source = join(FIXTURE_APPS_DIR, app);
      const id = fixtureAppId(app);
      ids[app] = id;
      for (const part of ['wapp.toml', 'app.wasm', 'ui']) {
        if (existsSync(join(source, part))) cpSync(join(source, part), join(store, id, part), { recursive: true });
      }
    }
    await installUnits({ userDir: sd.unitDir, env: sd.env });
    writeAppdTestDropIn(sd, {
      environment: `WEFT_APP_STORE=${store} WEFT_RESTORE=0 WEFT_LOG=debug WEFT_APPD_WS_PORT=0`,
      readWritePaths: [store, sd.root],
      resultsPath: results,
      extra: 'WatchdogSec=3s',
    });
    await sd.mustSystemctl('daemon-reload');
  });

  async function ctl<T>(...args: string[]): Promise<T> {
    const result = await run(process.execPath, [weftctl, '--json', ...args], sd.env);
    if (result.code !== 0) throw new Error(`weftctl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}\n--- appd output ---\n${tail(sd.serviceLogPath, 20)}`);
    return JSON.parse(result.stdout) as T;
  }

  async function launch(app: string): Promise<SessionState> {
    const ack = await ctl<{ session_id: number; ready: boolean }>('launch', ids[app] as string, '--wait');
    expect(ack.ready, `${app} became ready`).toBe(true);
    return ctl<SessionState>('state', String(ack.session_id));
  }

  afterEach(async () => {
    await sd.systemctl('stop', 'weft-appd.socket', SERVICE);
    await sd.systemctl('reset-failed', SERVICE);
    takeStopResults(results);
  });

  it('systemd-analyze verify accepts the units as installed for weft-appd', async () => {
    const result = await verifyInstalledUnits(sd);
    expect(result.stderr + result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('`systemctl --user start` returns once appd serves: the unit is active and weftctl answers at once', async () => {
    await sd.mustSystemctl('start', SERVICE);
    expect(await sd.show(SERVICE, 'ActiveState', 'SubState')).toEqual({ ActiveState: 'active', SubState: 'running' });
    // No retry: READY=1 is sent only after the socket is bound and served.
    const status = await ctl<{ pid: number; backend: string; socket: string }>('status');
    expect(status.pid).toBe(await appdMainPid(sd));
    expect(status.backend).toBe('systemd-scope');
    expect(status.socket).toBe(join(sd.runtimeDir, 'weft', 'appd.sock'));
    await waitFor('STATUS= with session counts', async () => {
      const text = (await sd.show(SERVICE, 'StatusText')).StatusText ?? '';
      return /0 running/.test(text) ? text : undefined;
    });
  });

  it('a launched app runs in its own scope under weft-apps.slice, and STATUS counts it', async () => {
    await sd.mustSystemctl('start', SERVICE);
    const session = await launch('counter');
    expect(session.backend).toBe('systemd-scope');
    expect(session.pid).toBeGreaterThan(0);
    const cgroup = cgroupOf(session.pid as number);
    // Named after appd's pid, the session and the attempt.
    const appdPid = await appdMainPid(sd);
    expect(cgroup).toBe(`${sd.cgroup}/weft.slice/weft-apps.slice/weft-app-${appdPid}-${session.session_id}-0.scope`);
    const scope = cgroup.split('/').pop() as string;
    const props = await sd.show(scope, 'Slice', 'MemoryMax', 'CPUQuotaPerSecUSec', 'ActiveState');
    // MemoryMax is a backstop above memory_max_mb (512 + 25 %); appd itself kills at 512 MiB.
    expect(props).toMatchObject({ Slice: 'weft-apps.slice', ActiveState: 'active', MemoryMax: String(640 * 1024 * 1024), CPUQuotaPerSecUSec: '2s' });
    // The runtime inherits none of appd's systemd variables (a stray NOTIFY_SOCKET would let an app notify for appd).
    const environ = readFileSync(`/proc/${session.pid as number}/environ`, 'utf8').split('\0');
    expect(environ.filter((v) => /^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID|LISTEN_PID|LISTEN_FDS|LISTEN_FDNAMES)=/.test(v))).toEqual([]);
    expect((await ctl<{ sandbox?: string }>('status')).sandbox).toMatch(/^bwrap /);
    // Inside the scope, bubblewrap confines it as on every other launch path: its own namespaces, no network.
    for (const ns of ['mnt', 'pid', 'net', 'user']) expect(readlinkSync(`/proc/${session.pid as number}/ns/${ns}`)).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
    expect(readFileSync(`/proc/${session.pid as number}/status`, 'utf8')).toMatch(/^NoNewPrivs:\s+1$/m);
    await waitFor('STATUS=1 running', async () => {
      const text = (await sd.show(SERVICE, 'StatusText')).StatusText ?? '';
      return text.startsWith('1 running') ? text : undefined;
    });
  });

  it('an app over its memory limit is reported as memory-limit, every time (it used to be `killed` one run in three)', async () => {
    await sd.mustSystemctl('start', SERVICE);
    const manifest = join(store, ids.memhog as string, 'wapp.toml');
    const original = readFileSync(manifest, 'utf8');
    /** Launches memhog and returns how its session ended. */
    const hog = async (): Promise<SessionState> => {
      const result = await run(process.execPath, [weftctl, '--json', 'launch', ids.memhog as string, '--wait'], sd.env);
      const ack = JSON.parse(result.stdout) as { session_id: number; ready: boolean };
      return waitFor(
        'the memhog session to stop',
        async () => {
          const s = await ctl<SessionState>('state', String(ack.session_id));
          return s.state === 'stopped' ? s : undefined;
        },
        60_000,
      );
    };
    const ends: string[] = [];
    try {
      // 64 MiB: less than the runtime needs to load, so it grows past the limit while starting up;
      // 256 MiB: it starts, then the app's own allocations (hundreds of MiB/s) take it over.
      // WEFT_TEST_MEMHOG_RUNS=<n> multiplies the runs (for measuring; docs/architecture/systemd.md).
      const scale = Number(process.env.WEFT_TEST_MEMHOG_RUNS ?? 1);
      for (const [limit, runs] of [
        [64, 5 * scale],
        [256, 2 * scale],
      ] as const) {
        writeFileSync(manifest, original.replace(/memory_max_mb\s*=\s*\d+/, `memory_max_mb = ${limit}`));
        for (let i = 0; i < runs; i++) {
          const session = await hog();
          ends.push(`${limit} MiB: ${session.exit?.reason} ${session.exit?.signal} — ${session.exit?.message}`);
          expect(session.exit, `run ${i + 1} at ${limit} MiB: ${JSON.stringify(session.exit)}`).toMatchObject({ reason: 'memory-limit', signal: 'SIGKILL' });
          expect(session.exit?.message).toContain(`${limit} MiB limit`);
        }
      }
    } finally {
      writeFileSync(manifest, original);
      console.log(`memhog ends under systemd-scope:\n  ${ends.join('\n  ')}`);
    }
    // appd itself is untouched by an app's OOM kill.
    expect((await sd.show(SERVICE, 'ActiveState', 'NRestarts')).NRestarts).toBe('0');
  }, 300_000);

  it('a hung appd (SIGSTOP) is killed by the watchdog and restarted; its apps do not outlive it', async () => {
    await sd.mustSystemctl('start', SERVICE);
    const app = await launch('counter');
    const first = await appdMainPid(sd);
    takeStopResults(results);
    // Pings hold: past several WatchdogSec=3s periods, still the same process.
    await sleep(4000);
    expect(await appdMainPid(sd)).toBe(first);
    process.kill(first, 'SIGSTOP');
    await waitFor(
      'a new weft-appd after the watchdog fired',
      async () => {
        const p = await sd.show(SERVICE, 'MainPID', 'ActiveState');
        return p.ActiveState === 'active' && Number(p.MainPID) > 0 && Number(p.MainPID) !== first ? p : undefined;
      },
      20_000,
    );
    expect(takeStopResults(results)).toContain('watchdog killed ABRT');
    expect(Number((await sd.show(SERVICE, 'NRestarts')).NRestarts)).toBeGreaterThanOrEqual(1);
    // The old appd's runtime notices its parent is gone and exits.
    await waitFor('the old session runtime to exit', () => (pidExists(app.pid as number) ? undefined : true), 15_000);
    const status = await ctl<{ pid: number }>('status');
    expect(status.pid).toBe(await appdMainPid(sd));
    // The killed appd could not remove its session's IPC socket; the new one removed it at start.
    expect(readdirSync(join(sd.runtimeDir, 'weft')).filter((name) => name.startsWith('ipc-'))).toEqual([]);
  });

  it('weft-appd.socket starts appd on the first connection and appd serves the passed socket', async () => {
    await sd.mustSystemctl('start', 'weft-appd.socket');
    expect((await sd.show(SERVICE, 'ActiveState')).ActiveState).toBe('inactive');
    const status = await ctl<{ pid: number; socket: string }>('status');
    expect(status.socket).toBe('fd 3');
    expect(status.pid).toBe(await appdMainPid(sd));
    await waitFor('the activated unit to become active', async () => ((await sd.show(SERVICE, 'ActiveState')).ActiveState === 'active' ? true : undefined));
    // The socket file is systemd's: stopping appd must leave it for the next activation.
    await sd.mustSystemctl('stop', SERVICE);
    expect(existsSync(join(sd.runtimeDir, 'weft', 'appd.sock'))).toBe(true);
    const again = await ctl<{ pid: number; socket: string }>('status');
    expect(again.socket).toBe('fd 3');
    expect(again.pid).not.toBe(status.pid);
  });

  it('`systemctl --user stop weft-appd` stops every session cleanly and leaves no scope behind', async () => {
    await sd.mustSystemctl('start', SERVICE);
    const sessions = [await launch('counter'), await launch('counter')];
    const pids = sessions.map((s) => s.pid as number);
    takeStopResults(results);
    await sd.mustSystemctl('stop', SERVICE);
    // stop returns after appd exited; appd waits for its sessions before exiting.
    for (const pid of pids) expect(pidExists(pid), `runtime ${pid} is gone`).toBe(false);
    expect(takeStopResults(results)).toEqual(['success exited 0']);
    const scopes = await sd.systemctl('list-units', '--type=scope', '--all', '--no-legend', '--plain');
    expect(scopes.stdout.split('\n').filter((l) => /^(run-|weft-app-)/.test(l))).toEqual([]);
    const slice = trackingCgroupDir(`${sd.cgroup}/weft.slice/weft-apps.slice`);
    const leftover = existsSync(slice) ? readdirSync(slice, { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
    expect(leftover.map((e) => e.name)).toEqual([]);
    // What appd saved for the next start.
    const saved = JSON.parse(readFileSync(join(sd.runtimeDir, 'weft', 'last-session.json'), 'utf8')) as string[];
    expect(saved).toEqual([ids.counter, ids.counter]);
    const log = readFileSync(sd.serviceLogPath, 'utf8');
    expect(log).toMatch(/"reason":"appd-shutdown"/);
  });
});
