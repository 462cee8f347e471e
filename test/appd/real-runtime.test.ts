// The required appd scenarios with the real weft-runtime and the fixture apps in apps/ (skipped until both are built).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppdClient } from '../../src/protocol/client.js';
import type { SessionDetails } from '../../src/protocol/messages.js';
import { pidRunning } from '../support/processes.js';
import { childPids, connect, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, startDaemon, subscribe, subscribedDaemonForSuite, waitFor, type AppdEvent } from './harness.js';

const APPS = ['counter', 'notes', 'exit-code', 'stall', 'memhog', 'trap'];
const ready = realAppsReady(APPS);
if (!ready) console.warn(`real-runtime tests skipped: need ${REAL_RUNTIME_BIN} and apps/{${APPS.join(',')}}/{wapp.toml,app.wasm}`);

async function launch(client: AppdClient, appId: string): Promise<number> {
  const ack = await client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
  if (ack.type !== 'LAUNCH_ACK') throw new Error(`launch ${appId}: ${JSON.stringify(ack)}`);
  return ack.session_id;
}

const isReady = (sid: number) => (e: AppdEvent) => e.type === 'APP_READY' && e.session_id === sid;
const isFinalStop = (sid: number) => (e: AppdEvent) => e.type === 'APP_STATE' && e.session_id === sid && e.state === 'stopped' && e.restart_in_ms === undefined;

function find(events: AppdEvent[], match: (e: AppdEvent) => boolean, timeoutMs: number, what: string): Promise<AppdEvent> {
  return waitFor(() => events.find(match), timeoutMs, what);
}

async function details(client: AppdClient, sid: number): Promise<SessionDetails> {
  return ((await client.request({ type: 'QUERY_SESSION', session_id: sid })) as { session: SessionDetails }).session;
}

describe.skipIf(!ready)('weft-appd with the real weft-runtime', () => {
  const ids: Record<string, string> = {};
  const { t, client, events } = subscribedDaemonForSuite(REAL_RUNTIME_BIN, { WEFT_LOG: 'info' }, (t) => {
    for (const name of APPS) ids[name] = installRealApp(t.store, name);
  });

  it('counter: launch → READY → increment → {"count":1} → stop', async () => {
    const sid = await launch(client, 'org.weft.demo.counter');
    await find(events, isReady(sid), 30_000, 'counter READY');
    await client.request({ type: 'IPC_FORWARD', session_id: sid, payload: 'increment' });
    const reply = await find(events, (e) => e.type === 'IPC_MESSAGE' && e.session_id === sid, 10_000, 'counter reply');
    expect(reply.payload).toBe('{"count":1}');
    const pid = (await details(client, sid)).pid as number;
    expect(await client.request({ type: 'TERMINATE_APP', session_id: sid })).toMatchObject({ state: 'stopped', reason: 'terminated' });
    expect(pidRunning(pid)).toBe(false);
  });

  it('notes: the text survives a stop and a relaunch', async () => {
    const first = await launch(client, 'org.weft.demo.notes');
    await find(events, isReady(first), 30_000, 'notes READY');
    await client.request({ type: 'IPC_FORWARD', session_id: first, payload: 'save:remember the milk' });
    expect((await find(events, (e) => e.type === 'IPC_MESSAGE' && e.session_id === first, 10_000, 'save reply')).payload).toBe('{"text":"remember the milk"}');
    await client.request({ type: 'TERMINATE_APP', session_id: first });
    const second = await launch(client, 'org.weft.demo.notes');
    await find(events, isReady(second), 30_000, 'notes READY again');
    await client.request({ type: 'IPC_FORWARD', session_id: second, payload: 'load' });
    expect((await find(events, (e) => e.type === 'IPC_MESSAGE' && e.session_id === second, 10_000, 'load reply')).payload).toBe('{"text":"remember the milk"}');
    await client.request({ type: 'TERMINATE_APP', session_id: second });
    expect(readFileSync(join(t.base, 'data', 'weft', 'apps', 'org.weft.demo.notes', 'data', 'notes.txt'), 'utf8')).toBe('remember the milk');
  });

  it('exit-code: ends stopped with code 7', async () => {
    const sid = await launch(client, ids['exit-code'] as string);
    expect(await find(events, isFinalStop(sid), 30_000, 'exit-code stop')).toMatchObject({ exit_code: 7, reason: 'exited' });
  });

  it('exit-code with [restart] on-failure: restarted under the same session id, then restart-limit', async () => {
    const id = ids['exit-code'] as string;
    // A temp copy of the app with a restart table, as a second store entry would clash; reinstall in place.
    installRealApp(t.store, 'exit-code', '[restart]\npolicy = "on-failure"\nmax_restarts = 2\nwindow_ms = 60000\nbackoff_ms = 100\n');
    const sid = await launch(client, id);
    const final = await find(events, isFinalStop(sid), 60_000, 'restart limit');
    expect(final).toMatchObject({ reason: 'restart-limit', exit_code: 7, restarts: 2 });
    expect(events.filter((e) => e.type === 'APP_STATE' && e.session_id === sid && e.restart_in_ms !== undefined)).toHaveLength(2);
    installRealApp(t.store, 'exit-code');
  });

  it('trap: ends with reason trap', async () => {
    const sid = await launch(client, ids.trap as string);
    expect(await find(events, isFinalStop(sid), 30_000, 'trap stop')).toMatchObject({ reason: 'trap', exit_code: 134 });
  });

  it('stall: killed at its READY timeout (1500 ms)', async () => {
    const started = Date.now();
    const sid = await launch(client, ids.stall as string);
    expect(await find(events, isFinalStop(sid), 20_000, 'stall stop')).toMatchObject({ reason: 'ready-timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('memhog: killed at its memory limit', async () => {
    const sid = await launch(client, ids.memhog as string);
    const stopped = await find(events, isFinalStop(sid), 30_000, 'memhog stop');
    expect(stopped.reason).toBe('memory-limit');
  });

  it('memhog with a limit above the runtime\'s own footprint: runs, then is killed when the app grows past it', async () => {
    // apps/memhog asks for 64 MiB, less than a Node-based runtime needs to load it, so it dies while loading;
    // with room to start, the kill comes from the app's own allocations.
    installRealApp(t.store, 'memhog', '', (toml) => toml.replace(/memory_max_mb\s*=\s*\d+/, 'memory_max_mb = 400'));
    const sid = await launch(client, ids.memhog as string);
    await find(events, isReady(sid), 30_000, 'memhog READY');
    const stopped = await find(events, isFinalStop(sid), 30_000, 'memhog stop');
    expect(stopped.reason).toBe('memory-limit');
    expect(String(stopped.message)).toMatch(/400 MiB|memory/);
    installRealApp(t.store, 'memhog');
  });

  it('runs 50 counters at once: all READY, all stopped after', async () => {
    const sids = await Promise.all(Array.from({ length: 50 }, () => launch(client, 'org.weft.demo.counter')));
    // Each one either gets READY or stops early; none may stop.
    await waitFor(() => sids.every((sid) => events.some(isReady(sid)) || events.some(isFinalStop(sid))) || undefined, 180_000, 'all 50 to be READY', 200);
    expect(sids.flatMap((sid) => events.filter(isFinalStop(sid)))).toEqual([]);
    const pids = await Promise.all(sids.map(async (sid) => (await details(client, sid)).pid as number));
    const replies = await Promise.all(sids.map((sid) => client.request({ type: 'TERMINATE_APP', session_id: sid })));
    expect(replies.every((r) => r.type === 'APP_STATE' && r.state === 'stopped')).toBe(true);
    expect(pids.filter(pidRunning)).toEqual([]);
  }, 300_000);

  it('leaves no runtime behind when appd is SIGKILLed', async () => {
    const t2 = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info' });
    installRealApp(t2.store, 'counter');
    installRealApp(t2.store, 'stall');
    try {
      const d2 = await startDaemon(t2);
      const c2 = await connect(t2);
      const e2 = await subscribe(c2);
      const a = await launch(c2, 'org.weft.demo.counter');
      const b = await launch(c2, 'org.weft.demo.counter');
      await find(e2, isReady(a), 30_000, 'READY');
      await find(e2, isReady(b), 30_000, 'READY');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const pids = [...new Set([...childPids(d2.pid), (await details(c2, a)).pid as number, (await details(c2, b)).pid as number])];
      expect(pids.length).toBeGreaterThanOrEqual(2);
      c2.close();
      await d2.stop('SIGKILL');
      await waitFor(() => pids.every((pid) => !pidRunning(pid)) || undefined, 5000, `runtimes ${pids.join(', ')} to exit`, 50);
    } finally {
      t2.cleanup();
    }
  });
});
