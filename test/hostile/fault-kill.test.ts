// Faults from outside: a runtime killed or frozen mid-session, weft-appd killed with SIGKILL (no orphans), SIGTERM and restore.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppdProcess } from '../support/appd.js';
import { pidRunning } from '../support/processes.js';
import { cmdline, descendants, survivorsAfter } from './helpers/proc.js';
import { record } from './helpers/results.js';
import { makeSandbox, type Sandbox } from './helpers/sandbox.js';
import { Watcher } from './helpers/watcher.js';

const COUNTER = 'org.weft.demo.counter';
const HANG = 'org.weft.test.hang';

let sandbox: Sandbox | null = null;
const daemons: AppdProcess[] = [];
const watchers: Watcher[] = [];

async function startAppd(env: NodeJS.ProcessEnv = {}): Promise<{ appd: AppdProcess; watcher: Watcher }> {
  sandbox ??= makeSandbox('faults', ['counter', 'hang']);
  const appd = await AppdProcess.start(sandbox, { env });
  daemons.push(appd);
  const watcher = await Watcher.open(() => appd.connect());
  watchers.push(watcher);
  return { appd, watcher };
}

async function pidOf(watcher: Watcher, sessionId: number): Promise<number> {
  const reply = await watcher.request({ type: 'QUERY_SESSION', session_id: sessionId });
  if (reply.type !== 'SESSION_INFO' || reply.session.pid === null) throw new Error(`no pid for session ${sessionId}: ${JSON.stringify(reply)}`);
  return reply.session.pid;
}

/** The daemon still answers and still runs apps: a fresh counter session counts. */
async function stillServes(watcher: Watcher): Promise<void> {
  const status = await watcher.request({ type: 'QUERY_STATUS' });
  expect(status.type).toBe('DAEMON_STATUS');
  const id = await watcher.launchReady(COUNTER, 60_000);
  expect(JSON.parse(await watcher.ipc(id, 'increment'))).toEqual({ count: 1 });
  expect(await watcher.request({ type: 'TERMINATE_APP', session_id: id })).toMatchObject({ state: 'stopped' });
}

afterEach(async () => {
  for (const w of watchers.splice(0)) w.close();
  for (const d of daemons.splice(0)) await d.stop();
  sandbox?.cleanup();
  sandbox = null;
});

describe('a runtime killed or frozen from outside', () => {
  it('SIGKILL to a running runtime: appd reports the session stopped by SIGKILL and stays up', async () => {
    const { appd, watcher } = await startAppd();
    const id = await watcher.launchReady(COUNTER, 60_000);
    const pid = await pidOf(watcher, id);
    process.kill(pid, 'SIGKILL');
    const stopped = await watcher.stopped(id);
    expect(stopped).toMatchObject({ type: 'APP_STATE', session_id: id, state: 'stopped', reason: 'killed', signal: 'SIGKILL', exit_code: null });
    expect(await watcher.request({ type: 'QUERY_APP_STATE', session_id: id })).toMatchObject({ state: 'stopped' });
    expect(appd.running).toBe(true);
    await stillServes(watcher);
  });

  it('SIGKILL to a runtime that is still starting: the session stops with the signal, nothing hangs', async () => {
    const { watcher } = await startAppd({ WEFT_STANDBY: '0' });
    const id = await watcher.launch(HANG);
    const pid = await pidOf(watcher, id);
    process.kill(pid, 'SIGKILL');
    const stopped = await watcher.stopped(id);
    expect(stopped).toMatchObject({ state: 'stopped', signal: 'SIGKILL' });
    await stillServes(watcher);
  });

  it('a frozen runtime (SIGSTOP) is still terminated: TERMINATE_APP escalates to SIGKILL after the grace period', async () => {
    const { watcher } = await startAppd({ WEFT_GRACE_MS: '500' });
    const id = await watcher.launchReady(HANG, 60_000);
    const pid = await pidOf(watcher, id);
    process.kill(pid, 'SIGSTOP');
    try {
      const reply = await watcher.request({ type: 'TERMINATE_APP', session_id: id });
      expect(reply).toMatchObject({ type: 'APP_STATE', session_id: id, state: 'stopped', reason: 'terminated', signal: 'SIGKILL' });
      expect(await survivorsAfter([pid], 5000)).toEqual([]);
    } finally {
      if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    await stillServes(watcher);
  });
});

describe('weft-appd killed with SIGKILL', () => {
  it('leaves no runtime behind: every child and grandchild is gone within 5 s', async () => {
    const { appd, watcher } = await startAppd();
    for (const app of [COUNTER, COUNTER, HANG, HANG]) await watcher.launchReady(app, 60_000);
    await watcher.launch(HANG); // one still starting at the moment of the kill
    const pids = descendants(appd.pid);
    // Four sessions, one starting, plus any standby runtimes.
    expect(pids.length).toBeGreaterThanOrEqual(5);
    const commands = pids.map(cmdline);
    appd.kill('SIGKILL');
    await appd.waitExit(5000);
    const left = await survivorsAfter(pids, 5000);
    record('fault-kill', { appd_sigkill_children: pids.length, survivors: left.length });
    expect(left.map((pid) => `${pid} ${cmdline(pid)}`), `children were: ${commands.join(' | ')}`).toEqual([]);
  });

  it('starts again on the stale socket, and restores nothing (only SIGTERM saves the session list)', async () => {
    const first = await startAppd();
    await first.watcher.launchReady(COUNTER, 60_000);
    first.appd.kill('SIGKILL');
    await first.appd.waitExit(5000);
    expect(existsSync(join(sandbox!.runtimeDir, 'weft', 'last-session.json'))).toBe(false);
    const second = await startAppd();
    expect(await second.watcher.request({ type: 'QUERY_RUNNING' })).toEqual({ type: 'RUNNING_APPS', sessions: [] });
    await stillServes(second.watcher);
  });
});

describe('weft-appd stopped with SIGTERM', () => {
  it('stops every session, leaves no runtime behind, and relaunches the same apps at the next start', async () => {
    const first = await startAppd();
    for (const app of [COUNTER, HANG, COUNTER]) await first.watcher.launchReady(app, 60_000);
    const pids = descendants(first.appd.pid);
    first.watcher.close();
    await first.appd.stop(20_000);
    expect(first.appd.exit).toEqual({ code: 0, signal: null });
    expect(await survivorsAfter(pids, 5000)).toEqual([]);
    const saved = JSON.parse(readFileSync(join(sandbox!.runtimeDir, 'weft', 'last-session.json'), 'utf8')) as unknown;
    expect(JSON.stringify(saved)).toContain(COUNTER);

    const second = await startAppd();
    // appd listens before it restores, so the list fills in over the first moments.
    let running = await second.watcher.request({ type: 'QUERY_RUNNING' });
    for (let i = 0; i < 100 && running.type === 'RUNNING_APPS' && running.sessions.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = await second.watcher.request({ type: 'QUERY_RUNNING' });
    }
    expect(running.type === 'RUNNING_APPS' && running.sessions.map((s) => s.app_id)).toEqual([COUNTER, HANG, COUNTER]);
    // A restored counter is a fresh run: it starts from zero and answers.
    const restored = running.type === 'RUNNING_APPS' ? running.sessions[0]!.session_id : -1;
    await second.watcher.waitFor('restored counter ready', (e) => e.type === 'APP_READY' && e.session_id === restored, 60_000).catch(() => undefined);
    expect(JSON.parse(await second.watcher.ipc(restored, 'get', 30_000))).toEqual({ count: 0 });
  });
});
