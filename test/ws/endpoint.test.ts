// The WebSocket endpoint through a real weft-appd: a WEFT-shaped client drives the counter; every kind of unwanted client is refused.
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionTokenFor } from '../../src/appd/ws/credential.js';
import { connect, FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, ROOT, startDaemon, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { refusal, WsClient, wsPort, wsToken } from './ws-client.js';

const COUNTER = 'org.test.counter';
const ECHO = 'org.test.echo';
const CRASHY = 'org.test.crashy.exitcode';
const CHATTY = 'org.test.chatty';
let t: TestEnv;
let daemon: RunningDaemon;
let port: number;

beforeAll(async () => {
  requireBuilt();
  t = makeEnv(FAKE_RUNTIME);
  installFakeApp(t.store, COUNTER);
  installFakeApp(t.store, ECHO);
  installFakeApp(t.store, CHATTY);
  installFakeApp(t.store, CRASHY, '[restart]\npolicy = "on-failure"\nmax_restarts = 1\nwindow_ms = 60000\nbackoff_ms = 100\n');
  daemon = await startDaemon(t);
  port = wsPort(t);
});

afterAll(async () => {
  await daemon?.stop();
  t?.cleanup();
});

describe('a foreign WEFT-shaped client (no Origin, JSON as WEFT)', () => {
  it('lists apps, launches the counter, increments it, sends a gesture and terminates it', async () => {
    const client = await WsClient.open(port);
    try {
      const installed = await client.request({ type: 'QUERY_INSTALLED_APPS' });
      expect(installed.type).toBe('INSTALLED_APPS');
      expect((installed.apps as { app_id: string }[]).map((a) => a.app_id)).toContain(COUNTER);
      const ack = await client.request({ type: 'LAUNCH_APP', app_id: COUNTER, surface_id: 0 });
      expect(ack).toMatchObject({ type: 'LAUNCH_ACK', app_id: COUNTER });
      const session = ack.session_id as number;
      await client.next((m) => m.type === 'APP_READY' && m.session_id === session, 'APP_READY');
      expect(await client.request({ type: 'QUERY_RUNNING' })).toMatchObject({ type: 'RUNNING_APPS', sessions: [{ session_id: session, app_id: COUNTER }] });
      const before = client.messages.length;
      await client.request({ type: 'IPC_FORWARD', session_id: session, payload: 'increment' });
      const message = await client.next((m) => m.type === 'IPC_MESSAGE' && m.session_id === session, 'IPC_MESSAGE', before);
      expect(JSON.parse(message.payload as string)).toEqual({ count: 1 });
      // WEFT's forwarder sends whole numbers for dx/dy; unknown fields are ignored.
      const gesture = await client.request({ type: 'PANEL_GESTURE', gesture_type: 0, fingers: 3, dx: 120, dy: -4, extra: 'ignored' });
      expect(gesture).toEqual({ type: 'NAVIGATION_GESTURE', gesture_type: 0, fingers: 3, dx: 120, dy: -4 });
      const stopped = await client.request({ type: 'TERMINATE_APP', session_id: session });
      expect(stopped).toMatchObject({ type: 'APP_STATE', session_id: session, state: 'stopped' });
      await client.next((m) => m.event === true && m.type === 'APP_STATE' && m.state === 'stopped', 'the stopped event');
    } finally {
      client.close();
    }
  });

  it('answers bad JSON, binary frames and unknown types with ERROR and stays usable', async () => {
    const client = await WsClient.open(port);
    try {
      expect(await client.request('{"type": "QUERY_RUN')).toMatchObject({ type: 'ERROR', code: 2 });
      expect(String((await client.request('[1,2]')).message)).toContain('object');
      expect(await client.request({ type: 'NOPE' })).toMatchObject({ type: 'ERROR', code: 3 });
      expect(await client.request({ type: 'LAUNCH_APP' })).toMatchObject({ type: 'ERROR', code: 2, message: 'LAUNCH_APP is missing field "app_id"' });
      const answered = client.messages.length;
      client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await client.next(() => true, 'the binary answer', answered)).toMatchObject({ type: 'ERROR', code: 2 });
      expect((await client.request({ type: 'QUERY_RUNNING' })).type).toBe('RUNNING_APPS');
    } finally {
      client.close();
    }
  });
});

describe('a session restarting by policy', () => {
  it('is reported as starting between runs (WEFT\'s UI drops an entry on stopped), then stopped for good', async () => {
    const client = await WsClient.open(port);
    try {
      const session = (await client.request({ type: 'LAUNCH_APP', app_id: CRASHY, surface_id: 0 })).session_id as number;
      const last = await client.next((m) => m.type === 'APP_STATE' && m.session_id === session && m.state === 'stopped', 'the final stop', 0, 20_000);
      expect(last).toMatchObject({ reason: 'restart-limit', restarts: 1 });
      const between = client.messages.filter((m) => m.type === 'APP_STATE' && m.session_id === session && m.restart_in_ms !== undefined);
      expect(between).toEqual([expect.objectContaining({ state: 'starting', restart_in_ms: 100, exit_code: 7 })]);
    } finally {
      client.close();
    }
  });
});

describe('log tail', () => {
  it('QUERY_LOG returns the last 100 output lines, on the Unix socket and the WebSocket', async () => {
    const client = await WsClient.open(port);
    const unix = await connect(t);
    try {
      const session = (await client.request({ type: 'LAUNCH_APP', app_id: CHATTY, surface_id: 0 })).session_id as number;
      const last = async () => ((await client.request({ type: 'QUERY_LOG', session_id: session })).lines as { text: string }[]).at(-1)?.text;
      for (let i = 0; i < 200 && (await last()) !== 'line 4999'; i++) await new Promise((r) => setTimeout(r, 50));
      const ws = await client.request({ type: 'QUERY_LOG', session_id: session });
      expect((ws.lines as { text: string; stream: string }[]).map((l) => l.text)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${4900 + i}`));
      expect((ws.lines as { stream: string }[])[0]).toMatchObject({ stream: 'stdout', at: expect.stringMatching(/^\d{4}-/) });
      expect(await unix.request({ type: 'QUERY_LOG', session_id: session })).toEqual(ws);
      expect(await client.request({ type: 'QUERY_LOG', session_id: 999_999 })).toMatchObject({ type: 'ERROR', code: 1 });
      await client.request({ type: 'TERMINATE_APP', session_id: session });
    } finally {
      unix.close();
      client.close();
    }
  });

  it('FOLLOW_LOG streams new lines to that connection only', async () => {
    const follower = await WsClient.open(port);
    const other = await WsClient.open(port);
    try {
      const session = (await follower.request({ type: 'LAUNCH_APP', app_id: CRASHY, surface_id: 0 })).session_id as number;
      expect(await follower.request({ type: 'FOLLOW_LOG', session_id: session })).toMatchObject({ type: 'LOG_LINES', session_id: session });
      // (The runtime's READY line is output like any other, so it may come first.)
      const line = await follower.next((m) => m.type === 'LOG_LINE' && m.session_id === session && m.text !== 'READY', 'a LOG_LINE event', 0, 15_000);
      expect(line).toMatchObject({ event: true, stream: 'stdout', text: 'about to exit with 7' });
      await follower.next((m) => m.type === 'APP_STATE' && m.session_id === session && m.state === 'stopped', 'the final stop', 0, 20_000);
      expect(other.messages.some((m) => m.type === 'LOG_LINE')).toBe(false);
    } finally {
      follower.close();
      other.close();
    }
  });
});

describe('the credential and the port file', () => {
  it('writes the port as digits and the credential as 256 bits in a 0600 file in the 0700 dir, never in the log', () => {
    expect(readFileSync(join(t.runtimeDir, 'appd.wsport'), 'utf8')).toMatch(/^[0-9]+$/);
    const token = wsToken(t);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(t.runtimeDir, 'appd.wstoken')).mode & 0o777).toBe(0o600);
    expect(statSync(t.runtimeDir).mode & 0o777).toBe(0o700);
    expect(JSON.stringify(daemon.logs)).not.toContain(token);
  });
});

describe('refusals', () => {
  it('refuses a foreign Origin at the handshake', async () => {
    const refused = await refusal(WsClient.open(port, { origin: 'https://evil.example' }));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Origin');
  });

  it('refuses an Origin of weft\'s own name on another port', async () => {
    expect((await refusal(WsClient.open(port, { origin: `http://localhost:${port + 1}` }))).status).toBe(403);
  });

  it('refuses a rebinding Host', async () => {
    const refused = await refusal(WsClient.open(port, {}, `attacker.example:${port}`));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Host');
    expect((await refusal(WsClient.open(port, {}, `127.0.0.1:${port + 1}`))).status).toBe(403);
  });

  it('refuses a credential in the query string', async () => {
    const opening = new Promise<WsClient>((resolve, reject) => {
      void import('ws').then(({ default: WebSocket }) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/?token=${wsToken(t)}`);
        socket.once('open', () => reject(new Error('accepted')));
        socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error('refused'), { status: res.statusCode })));
        socket.once('error', reject);
      });
    });
    await expect(opening).rejects.toMatchObject({ status: 400 });
    expect(JSON.stringify(daemon.logs)).not.toContain(wsToken(t));
  });

  it('answers plain HTTP only for this endpoint\'s Host and this user', async () => {
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get(`attacker.example:${port}`)).toBe(403);
    expect(await get(`localhost:${port}`)).toBe(200);
    if (process.getuid?.() !== 0) return;
    const script = `require('http').get({host:'127.0.0.1',port:${port},path:'/'},r=>{console.log('STATUS '+r.statusCode);process.exit(0)}).on('error',e=>{console.log('ERR '+e.message);process.exit(0)})`;
    const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout.trim()).toBe('STATUS 403');
  });

  it('refuses a client running as another uid', async () => {
    if (process.getuid?.() !== 0) return; // needs root to run a client as nobody
    const script = `const W=require(${JSON.stringify(join(ROOT, 'node_modules', 'ws'))});const s=new W('ws://127.0.0.1:${port}/');s.on('open',()=>{console.log('OPEN');process.exit(0)});s.on('unexpected-response',(q,r)=>{console.log('STATUS '+r.statusCode);process.exit(0)});s.on('error',e=>{console.log('ERR '+e.message);process.exit(0)})`;
    const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout.trim()).toBe('STATUS 403');
    await waitFor(() => daemon.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('uid 65534 is not weft-appd\'s user')), 5000, 'the refusal naming uid 65534 in the log');
  });

  it('closes a browser connection with a missing credential', async () => {
    const client = await WsClient.open(port, { origin: `http://localhost:${port}` });
    const answer = await client.request({ type: 'QUERY_RUNNING' });
    expect(answer).toMatchObject({ type: 'ERROR', code: 12 });
    await (async () => {
      for (let i = 0; i < 200 && !client.closed; i++) await new Promise((r) => setTimeout(r, 20));
    })();
    expect(client.closed?.code).toBe(1008);
  });

  it('closes a browser connection with a wrong credential, and admits the right one', async () => {
    const wrong = await WsClient.open(port, { origin: `http://localhost:${port}` });
    expect(await wrong.request({ type: 'AUTH', token: '0'.repeat(64) })).toMatchObject({ type: 'ERROR', code: 12 });
    const right = await WsClient.open(port, { origin: `http://localhost:${port}` });
    try {
      expect(await right.request({ type: 'AUTH', token: wsToken(t) })).toEqual({ type: 'AUTHENTICATED', role: 'full', session_id: null });
      expect((await right.request({ type: 'QUERY_RUNNING' })).type).toBe('RUNNING_APPS');
    } finally {
      right.close();
    }
    const header = await refusal(WsClient.open(port, { authorization: `Bearer ${'f'.repeat(64)}` }));
    expect(header.status).toBe(401);
  });

  it('binds an app UI connection to its session: no other session, no launches, only its own events', async () => {
    const shell = await WsClient.open(port);
    const own = (await shell.request({ type: 'LAUNCH_APP', app_id: COUNTER, surface_id: 0 })).session_id as number;
    const other = (await shell.request({ type: 'LAUNCH_APP', app_id: ECHO, surface_id: 0 })).session_id as number;
    await shell.next((m) => m.type === 'APP_READY' && m.session_id === other, 'APP_READY');
    await shell.next((m) => m.type === 'APP_READY' && m.session_id === own, 'APP_READY');
    const secret = Buffer.from(wsToken(t), 'hex');
    const ui = await WsClient.open(port, { origin: `http://s${own}.localhost:${port}` }, `s${own}.localhost:${port}`);
    try {
      // Another session's token is wrong for this page.
      const stray = await WsClient.open(port, { origin: `http://s${own}.localhost:${port}` }, `s${own}.localhost:${port}`);
      expect(await stray.request({ type: 'AUTH', token: sessionTokenFor(secret, other) })).toMatchObject({ type: 'ERROR', code: 12 });
      expect(await ui.request({ type: 'AUTH', token: sessionTokenFor(secret, own) })).toEqual({ type: 'AUTHENTICATED', role: 'app-ui', session_id: own });
      expect(await ui.request({ type: 'IPC_FORWARD', session_id: other, payload: 'hello' })).toMatchObject({ type: 'ERROR', code: 12 });
      expect(await ui.request({ type: 'LAUNCH_APP', app_id: ECHO, surface_id: 0 })).toMatchObject({ type: 'ERROR', code: 12 });
      expect(await ui.request({ type: 'TERMINATE_APP', session_id: own })).toMatchObject({ type: 'ERROR', code: 12 });
      expect(await ui.request({ type: 'QUERY_RUNNING' })).toMatchObject({ type: 'ERROR', code: 12 });
      await shell.request({ type: 'IPC_FORWARD', session_id: other, payload: 'secret-for-echo' });
      await shell.next((m) => m.type === 'IPC_MESSAGE' && m.session_id === other, 'the echo reply on the shell');
      await ui.request({ type: 'IPC_FORWARD', session_id: own, payload: 'increment' });
      await ui.next((m) => m.type === 'IPC_MESSAGE', 'its own IPC_MESSAGE');
      expect(ui.messages.filter((m) => m.event === true).every((m) => m.session_id === own)).toBe(true);
      expect(JSON.stringify(ui.messages)).not.toContain('secret-for-echo');
    } finally {
      ui.close();
      await shell.request({ type: 'TERMINATE_APP', session_id: own });
      await shell.request({ type: 'TERMINATE_APP', session_id: other });
      shell.close();
    }
  });
});
