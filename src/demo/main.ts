// `npm run demo`: a throwaway runtime dir and store holding the bundled apps, a real weft-appd, one app launched, READY, an IPC reply, clean shutdown.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeVariableValues } from '../config/variable-values.js';
import { installPackage } from '../pack/install.js';
import { AppdClient } from '../protocol/client.js';
import type { Response } from '../protocol/messages.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEMO_APPS = ['counter', 'notes', 'echo', 'hello', 'caps'];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function waitForSocket(path: string, appd: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (appd.exitCode !== null) throw new Error(`weft-appd exited with code ${appd.exitCode} before listening`);
    if (Date.now() > deadline) throw new Error(`weft-appd did not create ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expect<T extends Response['type']>(response: Response, type: T): Extract<Response, { type: T }> {
  if (response.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(response)}`);
  return response as Extract<Response, { type: T }>;
}

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'weft-demo-'));
  const runtimeDir = join(base, 'run');
  const store = join(base, 'store');
  await mkdir(runtimeDir, { recursive: true });
  await chmod(runtimeDir, 0o700);
  const env = {
    ...process.env,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_DATA_HOME: join(base, 'data'),
    XDG_CONFIG_HOME: join(base, 'config'),
    WEFT_APP_STORE: store,
    WEFT_DISABLE_CGROUP: '1',
    WEFT_RESTORE: '0',
    // A temporary appd: its WebSocket takes any free port, never a running appd's 7410.
    WEFT_APPD_WS_PORT: '0',
    WEFT_LOG: process.env.WEFT_LOG ?? 'warn',
  };
  let appd: ChildProcess | null = null;
  let client: AppdClient | null = null;
  try {
    say(`weft demo — temp runtime dir and store under ${base}`);
    for (const app of DEMO_APPS) {
      const started = performance.now();
      const result = await installPackage(join(repo, 'apps', app), { root: store });
      say(`  installed ${result.appId} ${result.version} (${(performance.now() - started).toFixed(0)} ms, precompiled)`);
    }
    appd = spawn(process.execPath, [join(repo, 'dist', 'bin', 'weft-appd.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const socket = join(runtimeDir, 'weft', 'appd.sock');
    await waitForSocket(socket, appd, 10_000);
    say(`weft-appd listening on ${socket} (pid ${appd.pid})`);

    client = await AppdClient.connect(socket);
    expect(await client.request({ type: 'SUBSCRIBE' }), 'SUBSCRIBED');
    const { status } = expect(await client.request({ type: 'QUERY_STATUS' }), 'DAEMON_STATUS');
    const sandbox = status.sandbox ?? 'unknown';
    // The demo runs either way, but says plainly when apps are not confined by the kernel.
    say(`sandbox: ${sandbox}${sandbox.startsWith('off') ? ' — apps are not confined by the kernel; apt-get install bubblewrap (see docs/architecture/sandbox.md)' : ''}`);
    const installed = expect(await client.request({ type: 'QUERY_INSTALLED_APPS' }), 'INSTALLED_APPS');
    say(`installed apps: ${installed.apps.map((a) => a.app_id).join(', ')}`);

    const launchedAt = performance.now();
    const ready = client.waitForEvent((e) => e.type === 'APP_READY', 30_000);
    const ack = expect(await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.demo.counter', surface_id: 0 }), 'LAUNCH_ACK');
    say(`LAUNCH_ACK session ${ack.session_id} for ${ack.app_id}`);
    await ready;
    say(`APP_READY session ${ack.session_id} after ${(performance.now() - launchedAt).toFixed(0)} ms`);
    const info = expect(await client.request({ type: 'QUERY_SESSION', session_id: ack.session_id }), 'SESSION_INFO');
    say(`  state ${info.session.state}, runtime pid ${info.session.pid}, backend ${info.session.backend}`);

    for (const command of ['increment', 'increment', 'get']) {
      const reply = client.waitForEvent((e) => e.type === 'IPC_MESSAGE' && e.session_id === ack.session_id, 10_000);
      const sentAt = performance.now();
      expect(await client.request({ type: 'IPC_FORWARD', session_id: ack.session_id, payload: command }), 'APP_STATE');
      const message = expect(await reply, 'IPC_MESSAGE');
      say(`IPC ${command} → ${message.payload} (${(performance.now() - sentAt).toFixed(1)} ms)`);
    }

    const stopped = expect(await client.request({ type: 'TERMINATE_APP', session_id: ack.session_id }), 'APP_STATE');
    say(`TERMINATE_APP → ${stopped.state}`);

    // weft:app@0.2.0: the caps app's required secret, as `weftctl config set` stores it.
    writeVariableValues('org.weft.demo.caps', { api_key: 'demo-secret' }, env);
    const capsReady = client.waitForEvent((e) => e.type === 'APP_READY', 30_000);
    const caps = expect(await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.demo.caps', surface_id: 0 }), 'LAUNCH_ACK');
    await capsReady;
    for (const command of ['set visits 1', 'get visits', 'keys ', 'config greeting', 'log hello from the demo', 'sched nightly 0 3 * * *']) {
      const reply = client.waitForEvent((e) => e.type === 'IPC_MESSAGE' && e.session_id === caps.session_id, 10_000);
      expect(await client.request({ type: 'IPC_FORWARD', session_id: caps.session_id, payload: command }), 'APP_STATE');
      say(`caps ${command} → ${expect(await reply, 'IPC_MESSAGE').payload}`);
    }
    say(`TERMINATE_APP caps → ${expect(await client.request({ type: 'TERMINATE_APP', session_id: caps.session_id }), 'APP_STATE').state}`);
    client.close();
    client = null;

    appd.kill('SIGTERM');
    const [code] = (await once(appd, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`weft-appd exited with code ${code} on SIGTERM`);
    say('weft-appd stopped cleanly; demo done.');
  } finally {
    client?.close();
    if (appd && appd.exitCode === null && appd.signalCode === null) {
      appd.kill('SIGKILL');
      await once(appd, 'exit');
    }
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
