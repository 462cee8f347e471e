// The systemd-scope launch path confines the runtime too: weft-appd as a hardened systemd --user service, each runtime started as systemd-run → bwrap → node, shown from outside by its namespaces, cgroup and root.
import { cpSync, existsSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installUnits } from '../../src/systemd/install-units.js';
import { fixtureAppId, FIXTURE_APPS_DIR, REPO_ROOT } from '../support/fixture-apps.js';
import { APPD_SERVICE as SERVICE, appdMainPid, cgroupOf, run, tail, userManagerForSuite, waitFor, writeAppdTestDropIn } from '../systemd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const weftctl = join(REPO_ROOT, 'dist', 'bin', 'weftctl.js');
const APPS = ['counter', 'notes'];
/** Namespaces bwrap --unshare-all gives the runtime; appd's service has its own user and mount namespaces, so each must differ from appd's too. */
const NAMESPACES = ['mnt', 'pid', 'net', 'ipc', 'uts', 'user', 'cgroup'] as const;

const enabled = Boolean(process.env.WEFT_TEST_SYSTEMD);
if (enabled && !bwrapWorks() && process.env.CI) throw new Error('the systemd-scope confinement suite needs bubblewrap; .ci/run installs it');

interface SessionState {
  session_id: number;
  state: string;
  pid: number | null;
  backend: string;
}

describe.skipIf(!enabled || !bwrapWorks())('systemd-scope launches run inside bubblewrap', () => {
  let store: string;
  const ids: Record<string, string> = {};
  const sd = userManagerForSuite('sandbox-scope', async (sd) => {
    for (const file of ['bin/weft-appd.js', 'bin/weftctl.js', 'bin/weft-runtime.js', 'systemd/notify.js']) {
      if (!existsSync(join(REPO_ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first`);
    }
    store = join(sd.root, 'store');
    for (const app of APPS) {
      const id = fixtureAppId(app);
      ids[app] = id;
      for (const part of ['wapp.toml', 'app.wasm']) cpSync(join(FIXTURE_APPS_DIR, app, part), join(store, id, part), { recursive: true });
    }
    await installUnits({ userDir: sd.unitDir, env: sd.env });
    writeAppdTestDropIn(sd, {
      // WEFT_SANDBOX=bwrap: appd refuses to start rather than run unconfined if bwrap cannot work inside the service's own sandbox.
      environment: `WEFT_APP_STORE=${store} WEFT_RESTORE=0 WEFT_LOG=debug WEFT_SANDBOX=bwrap`,
      readWritePaths: [store, sd.root],
      resultsPath: join(sd.root, 'stop-results'),
    });
    await sd.mustSystemctl('daemon-reload');
  });

  async function ctl<T>(...args: string[]): Promise<T> {
    const result = await run(process.execPath, [weftctl, '--json', ...args], sd.env);
    if (result.code !== 0) throw new Error(`weftctl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}\n--- appd output ---\n${tail(sd.serviceLogPath, 30)}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Launches and waits for READY; the session's pid is the confined runtime's (bwrap --as-pid-1, learned from bwrap's info fd). */
  async function launch(app: string): Promise<SessionState> {
    const ack = await ctl<{ session_id: number; ready: boolean }>('launch', ids[app] as string, '--wait');
    expect(ack.ready, `${app} became ready`).toBe(true);
    return waitFor(`${app}'s pid`, async () => {
      const s = await ctl<SessionState>('state', String(ack.session_id));
      return s.state === 'running' && s.pid !== null ? s : undefined;
    });
  }

  function expectConfined(pid: number, appdPid: number): void {
    for (const ns of NAMESPACES) expect(readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} namespace`).not.toBe(readlinkSync(`/proc/${appdPid}/ns/${ns}`));
    // The runtime is pid 1 of its own pid namespace.
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+(\s+\d+)*\s+1$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^CapEff:\s+0+$/m);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('weft-runtime');
  }

  afterEach(async () => {
    await sd.systemctl('stop', 'weft-appd.socket', SERVICE);
    await sd.systemctl('reset-failed', SERVICE);
  });

  it('status says bwrap; a no-grant app and an fs-granted app each run confined in their own scope', async () => {
    await sd.mustSystemctl('start', SERVICE);
    const status = await ctl<{ backend: string; sandbox?: string }>('status');
    expect(status.backend).toBe('systemd-scope');
    expect(status.sandbox).toMatch(/^bwrap/);
    const appdPid = await appdMainPid(sd);

    const counter = await launch('counter');
    expect(counter.backend).toBe('systemd-scope');
    const pid = counter.pid as number;
    expectConfined(pid, appdPid);
    // The whole sandbox, runtime included, sits in the session's scope.
    expect(cgroupOf(pid)).toBe(`${sd.cgroup}/weft.slice/weft-apps.slice/weft-app-${appdPid}-${counter.session_id}-0.scope`);
    // No network grant: a namespace holding nothing but its own loopback.
    const interfaces = readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(':')[0]);
    expect(interfaces).toEqual(['lo']);
    // None of the manager's home but the app's own cache.
    const home = join(`/proc/${pid}/root`, sd.home);
    const visible = existsSync(home) ? readdirSync(home, { recursive: true }).map(String) : [];
    expect(visible.filter((p) => !/^\.cache(\/weft(\/apps(\/[^/]+(\/.*)?)?)?)?$/.test(p))).toEqual([]);

    const notes = await launch('notes');
    const notesPid = notes.pid as number;
    expectConfined(notesPid, appdPid);
    // Its data dir is there, at its host path; the other app's cache is not.
    const data = join(sd.home, '.local', 'share', 'weft', 'apps', ids.notes as string, 'data');
    expect(existsSync(join(`/proc/${notesPid}/root`, data))).toBe(true);
    expect(existsSync(join(`/proc/${notesPid}/root`, sd.home, '.cache', 'weft', 'apps', ids.counter as string))).toBe(false);
  });
});
