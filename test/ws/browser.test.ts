// A page of another origin in real headless Chromium tries weft-appd's WebSocket and is refused at the handshake.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, startDaemon, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { WsClient, wsPort } from './ws-client.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let t: TestEnv;
let daemon: RunningDaemon;
let browser: Browser;
let site: Server;

beforeAll(async () => {
  requireBuilt();
  t = makeEnv(FAKE_RUNTIME);
  installFakeApp(t.store, 'org.test.counter');
  daemon = await startDaemon(t);
  // The attacker's page: any site the user visits; browsers do not apply same-origin rules to WebSocket handshakes.
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script>
      window.result = new Promise((resolve) => {
        const ws = new WebSocket('ws://127.0.0.1:' + new URLSearchParams(location.search).get('port') + '/appd');
        ws.onopen = () => { ws.send(JSON.stringify({ type: 'LAUNCH_APP', app_id: 'org.test.counter', surface_id: 0 })); resolve('open'); };
        ws.onclose = (event) => resolve('closed ' + event.code);
      });
    </script>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  site?.close();
  await daemon?.stop();
  t?.cleanup();
});

describe.skipIf(!existsSync(CHROMIUM))('a browser page of another origin', () => {
  it('never gets a connection: the handshake is refused for its Origin', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/?port=${wsPort(t)}`);
      expect(await page.evaluate(() => (globalThis as unknown as { result: Promise<string> }).result)).toBe('closed 1006');
      await waitFor(() => daemon.logs.some((l) => String(l.msg).startsWith('refused a WebSocket handshake: Origin')), 5000, 'the refusal in the log');
      const local = await WsClient.open(wsPort(t));
      expect(await local.request({ type: 'QUERY_RUNNING' })).toEqual({ type: 'RUNNING_APPS', sessions: [] });
      local.close();
    } finally {
      await context.close();
    }
  });
});
