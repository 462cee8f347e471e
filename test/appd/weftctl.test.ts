// weftctl against a live weft-appd (fake runtime), plus the message it gives when no daemon is running.
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CTL_BIN, FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, startDaemon, waitFor, type RunningDaemon, type TestEnv } from './harness.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function ctl(t: TestEnv, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CTL_BIN, ...args], { env: t.env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('weftctl', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    requireBuilt();
    t = makeEnv(FAKE_RUNTIME);
    installFakeApp(t.store, 'org.weft.test.counter');
    installFakeApp(t.store, 'org.weft.test.stall', '[limits]\nready_timeout_ms = 500\n');
    installFakeApp(t.store, 'org.weft.test.echo');
  });

  afterAll(async () => {
    await daemon?.stop();
    t?.cleanup();
  });

  it('says when the daemon is not running and how to start it', async () => {
    const result = await ctl(t, 'status');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`weft-appd is not running at ${t.socket}`);
    expect(result.stderr).toContain('start it with `weft-appd`');
    daemon = await startDaemon(t);
  });

  it('lists apps as a table and as JSON', async () => {
    const table = await ctl(t, 'apps');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^APP ID\s+NAME\s+VERSION$/);
    expect(table.stdout).toMatch(/org\.weft\.test\.counter\s+counter\s+1\.0\.0/);
    const json = JSON.parse((await ctl(t, 'apps', '--json')).stdout) as Array<{ app_id: string }>;
    expect(json.map((a) => a.app_id)).toEqual(['org.weft.test.counter', 'org.weft.test.echo', 'org.weft.test.stall']);
  });

  it('launches, lists, inspects, talks to and stops a session', async () => {
    const launched = await ctl(t, 'launch', 'org.weft.test.counter', '--wait', '--json');
    expect(launched.code).toBe(0);
    const ack = JSON.parse(launched.stdout) as { session_id: number; ready: boolean; ready_ms: number };
    expect(ack.ready).toBe(true);
    const sid = String(ack.session_id);

    const ps = await ctl(t, 'ps');
    expect(ps.stdout).toMatch(/^SESSION\s+APP\s+STATE\s+PID/);
    expect(ps.stdout).toMatch(new RegExp(`^${sid}\\s+org\\.weft\\.test\\.counter\\s+running\\s+\\d+`, 'm'));
    expect((JSON.parse((await ctl(t, 'ps', '--json')).stdout) as unknown[]).length).toBe(1);

    const state = await ctl(t, 'state', sid);
    expect(state.stdout).toMatch(/state:\s+running/);
    expect(JSON.parse((await ctl(t, 'state', sid, '--json')).stdout)).toMatchObject({ session_id: ack.session_id, state: 'running' });

    const reply = await ctl(t, 'send', sid, 'increment', '--reply');
    expect(reply).toMatchObject({ code: 0, stdout: '{"count":1}\n' });
    expect((await ctl(t, 'send', sid, 'increment')).code).toBe(0);
    expect((await ctl(t, 'send', sid, 'get', '--reply')).stdout).toBe('{"count":2}\n');

    const stopped = await ctl(t, 'stop', sid);
    expect(stopped).toMatchObject({ code: 0, stdout: `session ${sid} (org.weft.test.counter) stopped\n` });
    expect((await ctl(t, 'state', sid)).stdout).toMatch(/last exit:\s+terminated/);
    expect((await ctl(t, 'ps')).stdout).toBe('no apps running\n');
    expect((await ctl(t, 'stop', '4242')).stderr).toContain('session 4242 not found');
  });

  it("prints an app's text inert: escape sequences, C1 controls and newlines are shown, not obeyed", async () => {
    const launched = JSON.parse((await ctl(t, 'launch', 'org.weft.test.echo', '--wait', '--json')).stdout) as { session_id: number };
    const sid = String(launched.session_id);
    // (No CR: the stand-in runtime's readline would split the message there.)
    const hostile = 'a\u001b]0;owned\u0007\u001b[1Ab\u009b2Jc\u202eevil';
    const reply = await ctl(t, 'send', sid, hostile, '--reply');
    expect(reply.code).toBe(0);
    expect(reply.stdout).toBe('a\\x1b]0;owned\\x07\\x1b[1Ab\\x9b2Jc\\u202eevil\n');
    const json = await ctl(t, 'send', sid, hostile, '--reply', '--json');
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect((JSON.parse(json.stdout) as { payload: string }).payload).toBe(hostile);
    await ctl(t, 'stop', sid);
  });

  it('fails launch --wait with the reason when the app never gets ready', async () => {
    const result = await ctl(t, 'launch', 'org.weft.test.stall', '--wait');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped before it was ready: ready-timeout/);
    const missing = await ctl(t, 'launch', 'org.weft.test.nothere');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('is not installed');
  });

  it('watches events until interrupted', async () => {
    const watcher = spawn(process.execPath, [CTL_BIN, 'watch'], { env: t.env });
    let out = '';
    watcher.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    let err = '';
    watcher.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await waitFor(() => err.includes('watching'), 10_000, 'watch to subscribe');
    const launched = JSON.parse((await ctl(t, 'launch', 'org.weft.test.counter', '--wait', '--json')).stdout) as { session_id: number };
    await ctl(t, 'send', String(launched.session_id), 'increment');
    await ctl(t, 'stop', String(launched.session_id));
    await waitFor(() => out.includes('stopped'), 10_000, 'stopped line');
    watcher.kill('SIGINT');
    expect(out).toMatch(new RegExp(`ready\\s+session ${launched.session_id} \\(org\\.weft\\.test\\.counter\\)`));
    expect(out).toContain(`message   session ${launched.session_id}: {"count":1}`);
    expect(out).toMatch(/stopped\s+session \d+ \(org\.weft\.test\.counter\) — terminated/);
  });

  it('shows the daemon status', async () => {
    const status = await ctl(t, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/daemon:\s+weft-appd \S+, pid \d+/);
    expect(status.stdout).toMatch(/backend:\s+direct/);
    expect(JSON.parse((await ctl(t, 'status', '--json')).stdout)).toMatchObject({ pid: daemon.pid, backend: 'direct' });
  });

  it('prints a completion script and rejects bad usage', async () => {
    const completion = await ctl(t, 'completion');
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('weftctl');
    expect(completion.stdout).toContain('--get-yargs-completions');
    const bare = await ctl(t);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('give a command');
    expect((await ctl(t, 'frobnicate')).code).toBe(1);
  });
});
