// App UIs in real headless Chromium: WEFT's demo-style page drives its own session through the bridge; pages are confined to their origin and package.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CTL_BIN, FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, ROOT, startDaemon, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { WsClient, wsPort, wsToken } from './ws-client.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const COUNTER = 'org.test.counter';
const ECHO = 'org.test.echo';

/** Shaped like WEFT's demo UIs (examples/<name>/ui/index.html): polls for weftIpc, sends plain strings, reads the raw payload. */
const COUNTER_UI = `<!doctype html><html><head><meta charset="utf-8"><title>Counter</title></head><body>
<p id="count">-</p><button id="inc">increment</button>
<script>
  (function wait() {
    if (!window.weftIpc) return setTimeout(wait, 50);
    window.weftIpc.onmessage = function (raw) {
      var data = typeof raw === 'string' ? JSON.parse(raw) : raw;
      document.getElementById('count').textContent = String(data.count);
    };
    document.getElementById('inc').onclick = function () { window.weftIpc.send('increment'); };
  })();
</script></body></html>`;

let t: TestEnv;
let daemon: RunningDaemon;
let browser: Browser;
let port: number;
let shell: WsClient;

function withUi(id: string, html: string): void {
  installFakeApp(t.store, id, '[ui]\nentry = "ui/index.html"\n');
  mkdirSync(join(t.store, id, 'ui'), { recursive: true });
  writeFileSync(join(t.store, id, 'ui', 'index.html'), html);
}

async function launch(appId: string): Promise<number> {
  const id = (await shell.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 })).session_id as number;
  await shell.next((m) => m.type === 'APP_READY' && m.session_id === id, `APP_READY of ${appId}`);
  return id;
}

beforeAll(async () => {
  requireBuilt();
  t = makeEnv(FAKE_RUNTIME);
  withUi(COUNTER, COUNTER_UI);
  withUi(ECHO, '<!doctype html><html><head><title>echo</title></head><body><p id="secret">echo-page-secret</p></body></html>');
  writeFileSync(join(t.base, 'outside.txt'), 'outside the package');
  symlinkSync(join(t.base, 'outside.txt'), join(t.store, COUNTER, 'ui', 'leak.txt'));
  daemon = await startDaemon(t);
  port = wsPort(t);
  shell = await WsClient.open(port);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  shell?.close();
  await daemon?.stop();
  t?.cleanup();
});

describe('weftctl', () => {
  const ctl = (...args: string[]) => spawnSync(process.execPath, [CTL_BIN, ...args], { env: t.env, encoding: 'utf8', timeout: 30_000 });

  it('dashboard --print-url prints the dashboard URL with the credential in the fragment', () => {
    const run = ctl('dashboard', '--print-url');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`http://localhost:${port}/#token=${wsToken(t)}`);
  });

  it('open --print-url launches an app that is not running, reuses a running one, and takes a session id', async () => {
    const first = ctl('open', ECHO, '--print-url');
    expect(first.status, first.stderr).toBe(0);
    const match = /^http:\/\/s([0-9]+)\.localhost:([0-9]+)\/$/.exec(first.stdout.trim());
    expect(match?.[2]).toBe(String(port));
    expect(ctl('open', ECHO, '--print-url').stdout).toBe(first.stdout);
    expect(ctl('open', String(match?.[1]), '--print-url').stdout).toBe(first.stdout);
    const gone = ctl('open', '999', '--print-url');
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('session 999 is not running');
  });
});

describe('an app UI in the browser', () => {
  it('drives its own session through the injected bridge: three clicks show 3', async () => {
    const session = await launch(COUNTER);
    const page = await browser.newPage();
    try {
      const response = await page.goto(`http://s${session}.localhost:${port}/`);
      expect(response?.headers()['content-security-policy']).toContain(`connect-src 'self' ws://s${session}.localhost:${port}`);
      expect(await page.evaluate(() => (window as unknown as { weftSessionId: number }).weftSessionId)).toBe(session);
      for (let i = 0; i < 3; i++) {
        await page.click('#inc');
        await page.waitForFunction((n) => document.getElementById('count')?.textContent === String(n), i + 1);
      }
      expect(await page.textContent('#count')).toBe('3');
      await page.setViewportSize({ width: 640, height: 360 });
      await page.screenshot({ path: join(ROOT, 'docs', 'architecture', 'app-ui.png') });
    } finally {
      await page.close();
    }
  });

  it('serves only files inside the package, and nothing for a session that is not running', async () => {
    const session = await launch(COUNTER);
    const base = `http://s${session}.localhost:${port}`;
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/`);
      const status = (path: string) => page.evaluate((p) => fetch(p).then((r) => r.status), path);
      expect(await status('/ui/leak.txt')).toBe(404);
      expect(await status('/%2e%2e/%2e%2e/outside.txt')).toBe(404);
      expect(await status('/ui/')).toBe(404);
      expect(await status('/wapp.toml')).toBe(200);
      expect((await page.goto(`http://s999.localhost:${port}/`))?.status()).toBe(404);
    } finally {
      await page.close();
    }
  });

  it('cannot read another app\'s page, frame it, or use its session', async () => {
    const counter = await launch(COUNTER);
    const echo = await launch(ECHO);
    const page = await browser.newPage();
    try {
      await page.goto(`http://s${counter}.localhost:${port}/`);
      const outcome = await page.evaluate(async ({ echo, port }) => {
        const results: Record<string, string> = {};
        try {
          const r = await fetch(`http://s${echo}.localhost:${port}/`);
          results.fetch = await r.text();
        } catch (error) {
          results.fetch = `blocked: ${String(error)}`;
        }
        const frame = document.createElement('iframe');
        frame.src = `http://s${echo}.localhost:${port}/`;
        document.body.append(frame);
        await new Promise((resolve) => setTimeout(resolve, 500));
        try {
          results.frame = frame.contentDocument?.body?.innerHTML ?? 'no access';
        } catch (error) {
          results.frame = `blocked: ${String(error)}`;
        }
        // Its own bridge addresses only its own session, whatever id it names.
        results.forward = await new Promise((resolve) => {
          const socket = new WebSocket(`ws://${location.host}/`);
          socket.onopen = () => socket.send(JSON.stringify({ type: 'IPC_FORWARD', session_id: echo, payload: 'x' }));
          socket.onmessage = (event) => resolve(String(event.data));
          socket.onclose = () => resolve('closed');
        });
        return results;
      }, { echo, port });
      expect(outcome.fetch).toMatch(/^blocked/);
      expect(outcome.frame).not.toContain('echo-page-secret');
      expect(outcome.forward).toContain('"code":12');
    } finally {
      await page.close();
    }
  });
});

describe('weft-app-shell', () => {
  it('opens the session\'s UI URL in $BROWSER when appd starts it after READY', async () => {
    const shellEnv = makeEnv(FAKE_RUNTIME);
    const record = join(shellEnv.base, 'opened.txt');
    const browserScript = join(shellEnv.base, 'browser.sh');
    writeFileSync(browserScript, `#!/bin/sh\necho "$@" > ${record}\n`, { mode: 0o755 });
    installFakeApp(shellEnv.store, COUNTER, '[ui]\nentry = "ui/index.html"\n');
    // npm makes a package's bin entries executable on install; a plain build does not.
    chmodSync(join(ROOT, 'dist', 'bin', 'weft-app-shell.js'), 0o755);
    const shellDaemon = await startDaemon(shellEnv, [], { WEFT_APP_SHELL_BIN: join(ROOT, 'dist', 'bin', 'weft-app-shell.js'), BROWSER: browserScript });
    const client = await WsClient.open(wsPort(shellEnv));
    try {
      const id = (await client.request({ type: 'LAUNCH_APP', app_id: COUNTER, surface_id: 0 })).session_id as number;
      const opened = await waitFor(() => (existsSync(record) ? readFileSync(record, 'utf8').trim() || undefined : undefined), 15_000, 'the shell to open the URL');
      expect(opened).toBe(`http://s${id}.localhost:${wsPort(shellEnv)}/`);
    } finally {
      client.close();
      await shellDaemon.stop();
      shellEnv.cleanup();
    }
  });
});
