// Every launch path confines the runtime the same way: cold, from the standby pool, from the app's own warm runtime, after a restart, restored after an appd restart; shown from outside, by what the process's namespaces and root hold.
import { existsSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppdClient } from '../../src/protocol/client.js';
import type { SessionDetails } from '../../src/protocol/messages.js';
import { connect, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, startDaemon, subscribe, waitFor, type AppdEvent, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const missing = !realAppsReady(['counter', 'notes']) ? 'the built fixture apps' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the launch-path confinement suite needs ${missing}`);

const NAMESPACES = ['mnt', 'pid', 'net', 'ipc', 'uts', 'user'] as const;

/** What the kernel shows of a confined runtime: its own namespaces, no new privileges, an empty network, none of the user's files. */
function expectConfined(pid: number, t: TestEnv, grantedData: string | null): void {
  for (const ns of NAMESPACES) expect(readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} namespace of ${pid}`).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
  expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NoNewPrivs:\s+1$/m);
  expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^CapEff:\s+0+$/m);
  // The network namespace holds nothing but its own loopback.
  const interfaces = readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(':')[0]);
  expect(interfaces).toEqual(['lo']);
  // Its root: of the user's home, only the app's own cache dir; none of the test's other files; weft's own code.
  const root = `/proc/${pid}/root`;
  const home = t.env.HOME as string;
  expect(existsSync(join(root, home, 'secret.txt'))).toBe(false);
  for (const file of filesUnder(join(root, home))) expect(file.slice(root.length)).toMatch(new RegExp(`^${home}/\\.cache/weft/apps/[^/]+/`));
  expect(existsSync(join(root, '/root'))).toBe(false);
  expect(existsSync(join(root, REAL_RUNTIME_BIN))).toBe(true);
  const dataRoot = join(t.base, 'data', 'weft', 'apps');
  const visibleData = existsSync(join(root, dataRoot)) ? readdirSync(join(root, dataRoot)) : [];
  expect(visibleData).toEqual(grantedData ? [grantedData] : []);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Polls an async check until it gives a value. */
async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function sessionPid(client: AppdClient, sid: number): Promise<number> {
  return poll(async () => {
    const reply = (await client.request({ type: 'QUERY_SESSION', session_id: sid })) as { session: SessionDetails };
    return reply.session.state === 'running' ? (reply.session.pid ?? undefined) : undefined;
  }, 30_000, `session ${sid} running`);
}

async function launchReady(client: AppdClient, events: AppdEvent[], appId: string): Promise<number> {
  const ack = await client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
  if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
  await waitFor(() => events.find((e) => e.type === 'APP_READY' && e.session_id === ack.session_id), 30_000, `${appId} READY`);
  return ack.session_id;
}

describe.skipIf(missing !== null)('every launch path runs the runtime inside bubblewrap', () => {
  const envs: TestEnv[] = [];
  const daemons: RunningDaemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
    for (const t of envs) t.cleanup();
  });

  async function daemonWith(extra: NodeJS.ProcessEnv): Promise<{ t: TestEnv; daemon: RunningDaemon; client: AppdClient; events: AppdEvent[] }> {
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info', ...extra });
    envs.push(t);
    installRealApp(t.store, 'counter', '[restart]\npolicy = "on-failure"\nmax_restarts = 3\nbackoff_ms = 50\n');
    installRealApp(t.store, 'notes');
    writeFileSync(join(t.env.HOME as string, 'secret.txt'), 'not for apps\n');
    const daemon = await startDaemon(t);
    daemons.push(daemon);
    const client = await connect(t);
    return { t, daemon, client, events: await subscribe(client) };
  }

  it('cold launches (no standby), with and without fs grants; status names the sandbox', async () => {
    const { t, client, events } = await daemonWith({ WEFT_STANDBY: '0' });
    const status = (await client.request({ type: 'QUERY_STATUS' })) as { status: { sandbox?: string } };
    expect(status.status.sandbox).toMatch(/^bwrap \(/);
    expectConfined(await sessionPid(client, await launchReady(client, events, 'org.weft.demo.counter')), t, null);
    expectConfined(await sessionPid(client, await launchReady(client, events, 'org.weft.demo.notes')), t, 'org.weft.demo.notes');
    client.close();
  });

  it('warm launches from the standby pool; an app with grants is never given a standby', async () => {
    // Per-app warm runtimes off: this is the generic pool's path (the next test covers theirs).
    const { t, daemon, client, events } = await daemonWith({ WEFT_STANDBY: '1', WEFT_WARM_APPS: '0' });
    await waitFor(() => daemon.logs.length > 0, 5000, 'logs');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the standby boots
    // An app's first launch fills its own cache, so it goes cold (standby-stage.ts, stageCanServe); the next one is warm.
    const first = await launchReady(client, events, 'org.weft.demo.counter');
    expect(daemon.logs.find((l) => l.msg === 'runtime started' && l.session_id === first)?.warm).toBe(false);
    await client.request({ type: 'TERMINATE_APP', session_id: first });
    const sid = await launchReady(client, events, 'org.weft.demo.counter').catch((error: Error) => {
      throw new Error(`${error.message}\n${daemon.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    });
    const started = daemon.logs.find((l) => l.msg === 'runtime started' && l.session_id === sid);
    expect(started?.warm).toBe(true);
    expectConfined(await sessionPid(client, sid), t, null);
    // It works as a cold one does.
    await client.request({ type: 'IPC_FORWARD', session_id: sid, payload: 'increment' });
    await waitFor(() => events.find((e) => e.type === 'IPC_MESSAGE' && e.session_id === sid), 10_000, 'counter reply');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const notes = await launchReady(client, events, 'org.weft.demo.notes');
    expect(daemon.logs.find((l) => l.msg === 'runtime started' && l.session_id === notes)?.warm).toBe(false);
    expectConfined(await sessionPid(client, notes), t, 'org.weft.demo.notes');
    client.close();
  });

  it("warm launches from the app's own warm runtime, with and without fs grants, confined as the cold ones", async () => {
    const { t, daemon, client, events } = await daemonWith({ WEFT_STANDBY: '1', WEFT_LOG: 'debug' });
    const started = (sid: number) => daemon.logs.find((l) => l.msg === 'runtime started' && l.session_id === sid);
    for (const [appId, data] of [
      ['org.weft.demo.counter', null],
      ['org.weft.demo.notes', 'org.weft.demo.notes'],
    ] as const) {
      const cold = await launchReady(client, events, appId);
      expect(started(cold)?.warm_app).toBe(false);
      expectConfined(await sessionPid(client, cold), t, data);
      await waitFor(() => daemon.logs.find((l) => l.msg === 'warm runtime ready' && l.app_id === appId), 30_000, `${appId} warm`);
      await client.request({ type: 'TERMINATE_APP', session_id: cold });
      const sid = await launchReady(client, events, appId);
      expect(started(sid)).toMatchObject({ warm: true, warm_app: true });
      expectConfined(await sessionPid(client, sid), t, data);
    }
    client.close();
  });

  it('a restart by policy, and a restore after appd restarts', async () => {
    const { t, daemon, client, events } = await daemonWith({ WEFT_STANDBY: '0' });
    const sid = await launchReady(client, events, 'org.weft.demo.counter');
    const first = await sessionPid(client, sid);
    process.kill(first, 'SIGKILL');
    await waitFor(() => events.find((e) => e.type === 'APP_STATE' && e.session_id === sid && e.restart_in_ms !== undefined), 10_000, 'restart scheduled');
    expect(events.find((e) => e.type === 'APP_STATE' && e.session_id === sid && e.restart_in_ms !== undefined)).toMatchObject({ reason: 'killed', signal: 'SIGKILL' });
    const second = await poll(async () => {
      const pid = await sessionPid(client, sid);
      return pid !== first ? pid : undefined;
    }, 20_000, 'restarted runtime');
    expectConfined(second, t, null);
    client.close();
    await daemon.stop('SIGTERM');
    const again = await startDaemon(t);
    daemons.push(again);
    const client2 = await connect(t);
    const restored = await poll(async () => {
      const reply = (await client2.request({ type: 'QUERY_RUNNING' })) as { sessions: { session_id: number; app_id: string }[] };
      return reply.sessions.find((s) => s.app_id === 'org.weft.demo.counter');
    }, 20_000, 'restored counter');
    expectConfined(await sessionPid(client2, restored.session_id), t, null);
    client2.close();
  });
});
