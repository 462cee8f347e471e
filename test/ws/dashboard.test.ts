// The dashboard in real headless Chromium: launch the counter, watch it run with live memory, open its UI and count to 3, stop it; app names stay text.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardUrl } from '../../src/appd/ws/urls.js';
import { FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, ROOT, startDaemon, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { wsPort, wsToken } from './ws-client.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const COUNTER = 'org.test.counter';
const HOSTILE = 'org.test.hostile.echo';
const NOTES = 'org.test.notes';
const CHATTY = 'org.test.chatty';
/** Loads the saved text on open; Save sends it to the backend, which keeps it in the app's data dir. */
const NOTES_UI = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<textarea id="text"></textarea><button id="save">save</button><p id="shown"></p>
<script>
  (function wait() {
    if (!window.weftIpc) return setTimeout(wait, 50);
    window.weftIpc.onmessage = function (raw) { document.getElementById('shown').textContent = JSON.parse(raw).text; };
    document.getElementById('save').onclick = function () { window.weftIpc.send('save:' + document.getElementById('text').value); };
    window.weftIpc.send('load');
  })();
</script></body></html>`;
const HOSTILE_NAME = '<img src=x onerror="window.pwned=1">';

const COUNTER_UI = `<!doctype html><html><head><meta charset="utf-8"><title>Counter</title></head><body>
<p id="count">-</p><button id="inc">increment</button>
<script>
  (function wait() {
    if (!window.weftIpc) return setTimeout(wait, 50);
    window.weftIpc.onmessage = function (raw) { document.getElementById('count').textContent = String(JSON.parse(raw).count); };
    document.getElementById('inc').onclick = function () { window.weftIpc.send('increment'); };
  })();
</script></body></html>`;

let t: TestEnv;
let daemon: RunningDaemon;
let browser: Browser;

beforeAll(async () => {
  requireBuilt();
  t = makeEnv(FAKE_RUNTIME);
  installFakeApp(t.store, COUNTER, '[ui]\nentry = "ui/index.html"\n');
  mkdirSync(join(t.store, COUNTER, 'ui'));
  writeFileSync(join(t.store, COUNTER, 'ui', 'index.html'), COUNTER_UI);
  installFakeApp(t.store, NOTES, '[ui]\nentry = "ui/index.html"\n');
  mkdirSync(join(t.store, NOTES, 'ui'));
  writeFileSync(join(t.store, NOTES, 'ui', 'index.html'), NOTES_UI);
  installFakeApp(t.store, HOSTILE);
  installFakeApp(t.store, CHATTY);
  const manifest = join(t.store, HOSTILE, 'wapp.toml');
  writeFileSync(manifest, `[package]\nid = "${HOSTILE}"\nname = '${HOSTILE_NAME}'\nversion = "1.0.0"\n\n[runtime]\nmodule = "app.wasm"\n`);
  daemon = await startDaemon(t);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  t?.cleanup();
});

describe('the dashboard', () => {
  it('launches the counter, shows it running with memory, opens its UI to count to 3, and stops it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(dashboardUrl(wsPort(t), wsToken(t)));
      expect(page.url()).not.toContain('token'); // the credential leaves the address bar
      const app = page.locator(`[data-app-id="${COUNTER}"]`);
      await app.getByRole('button', { name: 'Launch' }).click();
      const row = page.locator('[data-session-id]').first();
      await expect.poll(() => row.locator('[data-field="state"]').textContent(), { timeout: 15_000 }).toBe('running');
      await expect.poll(() => row.locator('[data-field="memory"]').textContent(), { timeout: 15_000 }).toMatch(/[0-9.]+ (KiB|MiB)/);
      await page.waitForTimeout(2500); // a few samples for the memory chart in the screenshot
      await page.screenshot({ path: join(ROOT, 'docs', 'architecture', 'dashboard.png') });
      const [ui] = await Promise.all([context.waitForEvent('page'), row.getByRole('button', { name: 'Open' }).click()]);
      await ui.waitForURL(/s[0-9]+\.localhost/);
      for (let i = 1; i <= 3; i++) {
        await ui.click('#inc');
        await ui.waitForFunction((n) => document.getElementById('count')?.textContent === String(n), i);
      }
      await ui.close();
      await row.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => row.locator('[data-field="state"]').textContent(), { timeout: 15_000 }).toBe('stopped');
    } finally {
      await context.close();
    }
  });

  it('the notes app saves text through its UI that a new session loads', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(dashboardUrl(wsPort(t), wsToken(t)));
      const app = page.locator(`[data-app-id="${NOTES}"]`);
      const [first] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: 'Open' }).click()]);
      await first.waitForURL(/s[0-9]+\.localhost/);
      await first.waitForFunction(() => document.getElementById('shown')?.textContent === '');
      await first.fill('#text', 'remember the milk');
      await first.click('#save');
      await first.waitForFunction(() => document.getElementById('shown')?.textContent === 'remember the milk');
      const firstSession = Number(/s([0-9]+)\./.exec(first.url())?.[1]);
      await first.close();
      const row = page.locator(`[data-session-id="${firstSession}"]`);
      await row.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => row.locator('[data-field="state"]').textContent(), { timeout: 15_000 }).toBe('stopped');
      const [second] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: 'Open' }).click()]);
      await second.waitForURL(/s[0-9]+\.localhost/);
      expect(Number(/s([0-9]+)\./.exec(second.url())?.[1])).not.toBe(firstSession);
      await second.waitForFunction(() => document.getElementById('shown')?.textContent === 'remember the milk');
    } finally {
      await context.close();
    }
  });

  it('shows a session\'s log tail', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(dashboardUrl(wsPort(t), wsToken(t)));
      await page.locator(`[data-app-id="${CHATTY}"]`).getByRole('button', { name: 'Launch' }).click();
      const row = page.locator('[data-session-id]').filter({ hasText: CHATTY }).first();
      await row.getByRole('button', { name: 'Log' }).click();
      await expect.poll(() => row.locator('[data-field="log"]').textContent(), { timeout: 15_000 }).toContain('line 4999');
      await row.getByRole('button', { name: 'Stop' }).click();
    } finally {
      await page.close();
    }
  });

  it('shows an app named like markup as text, and runs nothing from it', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(dashboardUrl(wsPort(t), wsToken(t)));
      const title = page.locator(`[data-app-id="${HOSTILE}"] .title`);
      await expect.poll(() => title.textContent()).toBe(HOSTILE_NAME);
      // No [ui] entry: no Open button; capabilities and signature shown.
      expect(await page.locator(`[data-app-id="${HOSTILE}"]`).getByRole('button', { name: 'Open' }).count()).toBe(0);
      expect(await page.locator(`[data-app-id="${NOTES}"] [data-field="capabilities"]`).textContent()).toBe('fs:rw:app-data');
      expect(await page.locator(`[data-app-id="${NOTES}"] .meta`).first().textContent()).toContain('unsigned');
      expect(await page.locator(`[data-app-id="${HOSTILE}"] img`).count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    } finally {
      await page.close();
    }
  });

  it('without the credential, gets nothing from the WebSocket', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://localhost:${wsPort(t)}/`);
      await expect.poll(() => page.locator('#connection').textContent()).toContain('no credential');
      expect(await page.locator('[data-app-id]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
