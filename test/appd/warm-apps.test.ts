// Per-app warm runtimes through a real weft-appd and weft-runtime under bubblewrap: a hit runs the app as a cold launch does, no app code runs before its launch, eviction, upgrades and uninstalls.
import { existsSync, mkdtempSync, readFileSync, readdirSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installPackage, uninstallPackage } from '../../src/pack/install.js';
import type { AppdClient } from '../../src/protocol/client.js';
import type { DaemonStatus } from '../../src/protocol/messages.js';
import { bwrapWorks } from '../sandbox/helpers/bwrap.js';
import { connect, makeEnv, REAL_RUNTIME_BIN, ROOT, realAppsReady, startDaemon, subscribe, waitFor, type AppdEvent, type RunningDaemon, type TestEnv } from './harness.js';

const missing = !realAppsReady(['hello', 'files', 'exit-code']) ? 'the built fixture apps' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the warm runtime suite needs ${missing}`);

const HELLO = 'org.weft.test.hello';
const FILES = 'org.weft.test.files';
const EXIT_CODE = 'org.weft.test.exitcode';

interface Running {
  t: TestEnv;
  daemon: RunningDaemon;
  client: AppdClient;
  events: AppdEvent[];
}

type LogLine = RunningDaemon['logs'][number];

describe.skipIf(missing !== null)('per-app warm runtimes', () => {
  const envs: TestEnv[] = [];
  const daemons: RunningDaemon[] = [];
  const scratch: string[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
    for (const t of envs) t.cleanup();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  async function daemonWith(apps: readonly string[], extra: NodeJS.ProcessEnv = {}): Promise<Running> {
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_STANDBY: '1', ...extra });
    envs.push(t);
    for (const app of apps) await installPackage(join(ROOT, 'apps', app), { root: t.store });
    const daemon = await startDaemon(t);
    daemons.push(daemon);
    const client = await connect(t);
    return { t, daemon, client, events: await subscribe(client) };
  }

  /** Launches `appId` and waits for it to stop by itself; the stopped event and how its runtime started. */
  async function runOnce(r: Running, appId: string): Promise<{ stopped: AppdEvent; started: LogLine }> {
    const ack = await r.client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
    if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
    const sid = ack.session_id;
    const stopped = await waitFor(() => r.events.find((e) => e.type === 'APP_STATE' && e.session_id === sid && e.state === 'stopped'), 30_000, `${appId} stopped`);
    const started = await waitFor(() => r.daemon.logs.find((l) => l.msg === 'runtime started' && l.session_id === sid), 5000, 'runtime started');
    return { stopped, started };
  }

  /** Waits for the `n`th warm runtime of `appId` to be ready (counting from 1). */
  async function warmReady(r: Running, appId: string, n = 1): Promise<void> {
    await waitFor(() => r.daemon.logs.filter((l) => l.msg === 'warm runtime ready' && l.app_id === appId).length >= n, 30_000, `warm runtime #${n} of ${appId}`);
  }

  async function status(r: Running): Promise<DaemonStatus> {
    const reply = await r.client.request({ type: 'QUERY_STATUS' });
    if (reply.type !== 'DAEMON_STATUS') throw new Error(JSON.stringify(reply));
    return reply.status;
  }

  async function warmApps(r: Running): Promise<string[]> {
    return (await status(r)).warm?.apps ?? [];
  }

  function findFile(dir: string, name: string): string | null {
    if (!existsSync(dir)) return null;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name === name) return path;
      if (entry.isDirectory()) {
        const found = findFile(path, name);
        if (found) return found;
      }
    }
    return null;
  }

  it('a warm runtime runs nothing of its app before the launch; the launch then behaves as the cold one (fs grant, exit report)', async () => {
    const r = await daemonWith(['files']);
    const cold = await runOnce(r, FILES);
    expect(cold.started.warm_app).toBe(false);
    expect(cold.stopped).toMatchObject({ reason: 'exited', exit_code: 0 });
    // The app appends one line to /data/log.txt per run.
    const log = await waitFor(() => findFile(join(r.t.base, 'data'), 'log.txt'), 5000, 'the app data log');
    expect(readFileSync(log, 'utf8')).toBe('run 1\n');

    await warmReady(r, FILES);
    expect(await warmApps(r)).toEqual([FILES]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Ready and waiting: the app has not run (no second line, no output from the warm runtime).
    expect(readFileSync(log, 'utf8')).toBe('run 1\n');
    expect(r.daemon.logs.filter((l) => l.msg === 'warm runtime output')).toEqual([]);

    const warm = await runOnce(r, FILES);
    expect(warm.started).toMatchObject({ warm: true, warm_app: true });
    for (const key of ['reason', 'exit_code', 'signal', 'message'] as const) expect(warm.stopped[key]).toEqual(cold.stopped[key]);
    expect(readFileSync(log, 'utf8')).toBe('run 1\nrun 2\n');
    // The app's output reached the session's log as from a cold launch.
    const output = (sid: unknown): unknown[] => r.daemon.logs.filter((l) => l.session_id === sid && typeof l.stream === 'string' && l.stream.endsWith('stdout')).map((l) => l.msg);
    expect(output(warm.stopped.session_id)).toContain('wrote /data/hello.txt (22 bytes)');
    // The same lines but for the run count.
    expect(output(warm.stopped.session_id)).toEqual(output(cold.stopped.session_id).map((line) => (line === 'appended to /data/log.txt: now 1 lines' ? 'appended to /data/log.txt: now 2 lines' : line)));
  });

  it('an upgrade between warm-up and launch: the launch runs the new version; an uninstall stops the warm runtime', async () => {
    const r = await daemonWith(['hello']);
    expect((await runOnce(r, HELLO)).stopped).toMatchObject({ exit_code: 0 });
    await warmReady(r, HELLO);
    // The new version: exit-code's module under hello's manifest (prints a line, exits non-zero).
    const v2 = mkdtempSync(join(tmpdir(), 'weft-warm-v2-'));
    scratch.push(v2);
    cpSync(join(ROOT, 'apps', 'hello'), v2, { recursive: true });
    cpSync(join(ROOT, 'apps', 'exit-code', 'app.wasm'), join(v2, 'app.wasm'));
    await installPackage(v2, { root: r.t.store, force: true });
    const upgraded = await runOnce(r, HELLO);
    expect(upgraded.stopped.exit_code).not.toBe(0);
    expect(upgraded.started.warm_app).toBe(false);
    // A fresh warm runtime holds the new version.
    await warmReady(r, HELLO, 2);
    const again = await runOnce(r, HELLO);
    expect(again.started.warm_app).toBe(true);
    expect(again.stopped.exit_code).toBe(upgraded.stopped.exit_code);

    await warmReady(r, HELLO, 3);
    expect(await warmApps(r)).toEqual([HELLO]);
    await uninstallPackage(HELLO, { root: r.t.store });
    await waitFor(() => r.daemon.logs.find((l) => l.msg === 'warm runtime stopped' && l.why === 'its app was uninstalled'), 10_000, 'the warm runtime stopped');
    expect(await warmApps(r)).toEqual([]);
  });

  it('eviction: by count (WEFT_WARM_APPS), when idle (WEFT_WARM_IDLE_S), over the memory ceiling (WEFT_WARM_MEMORY_MB)', async () => {
    const counted = await daemonWith(['hello', 'exit-code'], { WEFT_WARM_APPS: '1' });
    expect((await status(counted)).warm).toMatchObject({ max_apps: 1, idle_s: 600, memory_max_mb: 512 });
    await runOnce(counted, HELLO);
    await warmReady(counted, HELLO);
    await runOnce(counted, EXIT_CODE);
    await warmReady(counted, EXIT_CODE);
    expect(await warmApps(counted)).toEqual([EXIT_CODE]);
    expect(counted.daemon.logs.find((l) => l.msg === 'warm runtime stopped' && l.app_id === HELLO)?.why).toMatch(/WEFT_WARM_APPS/);

    const idle = await daemonWith(['hello'], { WEFT_WARM_IDLE_S: '1' });
    await runOnce(idle, HELLO);
    await warmReady(idle, HELLO);
    await waitFor(() => idle.daemon.logs.find((l) => l.msg === 'warm runtime stopped' && l.app_id === HELLO), 10_000, 'idle eviction');
    expect(await warmApps(idle)).toEqual([]);
    expect(idle.daemon.logs.find((l) => l.msg === 'warm runtime stopped')?.why).toMatch(/WEFT_WARM_IDLE_S/);

    const small = await daemonWith(['hello'], { WEFT_WARM_MEMORY_MB: '16' });
    await runOnce(small, HELLO);
    await waitFor(() => small.daemon.logs.find((l) => l.msg === 'warm runtime stopped' && l.app_id === HELLO), 30_000, 'eviction over the memory ceiling');
    expect(small.daemon.logs.find((l) => l.msg === 'warm runtime stopped')?.why).toMatch(/WEFT_WARM_MEMORY_MB/);
  });

  it('WEFT_STANDBY=0: no warm runtime of any kind', async () => {
    const r = await daemonWith(['hello'], { WEFT_STANDBY: '0' });
    expect((await status(r)).warm).toBeUndefined();
    await runOnce(r, HELLO);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await runOnce(r, HELLO)).started.warm).toBe(false);
    expect(r.daemon.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('warm runtime'))).toEqual([]);
  });
});
