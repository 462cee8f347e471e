// When the kernel layer is missing: appd says so (log, QUERY_STATUS, `weftctl status`), refuses apps with fs:/net: grants naming the fix and the JS-only setting, runs them under WEFT_SANDBOX=js-only, and WEFT_SANDBOX=bwrap refuses to start.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPD_BIN, connect, CTL_BIN, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, startDaemon, subscribe, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const missing = !realAppsReady(['counter', 'notes']) ? 'the built fixture apps' : null;
if (missing && process.env.CI) throw new Error(`the sandbox policy suite needs ${missing}`);

function weftctl(t: TestEnv, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CTL_BIN, ...args], { env: t.env, timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe.skipIf(missing !== null)('the sandbox policy, through weft-appd and weftctl', () => {
  const envs: TestEnv[] = [];
  const daemons: RunningDaemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
    for (const t of envs) t.cleanup();
  });

  /** An appd whose PATH has no bwrap (nor anything else: the runtime is started by absolute path). */
  function envWithoutBwrap(extra: NodeJS.ProcessEnv = {}): TestEnv {
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info', WEFT_STANDBY: '0', ...extra });
    const empty = join(t.base, 'empty-bin');
    mkdirSync(empty);
    t.env.PATH = empty;
    envs.push(t);
    installRealApp(t.store, 'counter');
    installRealApp(t.store, 'notes');
    return t;
  }

  async function launch(t: TestEnv, appId: string): Promise<{ type: string; message?: string; ready?: boolean }> {
    const client = await connect(t);
    const events = await subscribe(client);
    const ack = (await client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 })) as { type: string; session_id?: number; message?: string };
    if (ack.type === 'LAUNCH_ACK') await waitFor(() => events.find((e) => e.type === 'APP_READY' && e.session_id === ack.session_id), 30_000, `${appId} READY`);
    client.close();
    return { ...ack, ready: ack.type === 'LAUNCH_ACK' };
  }

  it('bwrap missing (auto): a warning at start, `sandbox: off (…)` in status, fs-granted apps refused with the fix, no-grant apps run', async () => {
    const t = envWithoutBwrap();
    const daemon = await startDaemon(t);
    daemons.push(daemon);
    expect(daemon.logs.some((l) => l.level === 40 && /kernel sandbox/.test(String(l.msg)))).toBe(true);
    const status = await weftctl(t, 'status');
    expect(status).toMatch(/^sandbox:\s+off \(bwrap is not on PATH; install bubblewrap \(apt-get install bubblewrap\)\)$/m);
    const json = JSON.parse(await weftctl(t, '--json', 'status')) as { sandbox?: string };
    expect(json.sandbox).toMatch(/^off \(/);

    const refused = await launch(t, 'org.weft.demo.notes');
    expect(refused.type).toBe('ERROR');
    expect(refused.message).toContain('org.weft.demo.notes');
    expect(refused.message).toContain('fs:rw:app-data');
    expect(refused.message).toContain('apt-get install bubblewrap');
    expect(refused.message).toContain('WEFT_SANDBOX=js-only');
    expect((await launch(t, 'org.weft.demo.counter')).ready).toBe(true);
  });

  it('WEFT_SANDBOX=js-only: status says so, and the fs-granted app runs on the JS guard', async () => {
    const t = envWithoutBwrap({ WEFT_SANDBOX: 'js-only' });
    const daemon = await startDaemon(t);
    daemons.push(daemon);
    expect(await weftctl(t, 'status')).toMatch(/^sandbox:\s+off \(WEFT_SANDBOX=js-only/m);
    expect((await launch(t, 'org.weft.demo.notes')).ready).toBe(true);
  });

  it('WEFT_SANDBOX=bwrap without bwrap: appd does not start, and says why and what to do', async () => {
    const t = envWithoutBwrap({ WEFT_SANDBOX: 'bwrap' });
    const proc = spawn(process.execPath, [APPD_BIN], { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(output).toContain('WEFT_SANDBOX=bwrap, but bwrap is not on PATH');
    expect(output).toContain('apt-get install bubblewrap');
  });

  it.skipIf(!bwrapWorks())('with bubblewrap: `sandbox: bwrap (<path>)` in status', async () => {
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info', WEFT_STANDBY: '0' });
    envs.push(t);
    const daemon = await startDaemon(t);
    daemons.push(daemon);
    expect(await weftctl(t, 'status')).toMatch(/^sandbox:\s+bwrap \(\/\S+bwrap\)$/m);
  });
});
