// Starts weft-appd as a child on a workspace, keeps a SUBSCRIBEd AppdClient with timestamped events, and stops it cleanly.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bin, distDir } from './paths.mjs';
import { stat, treeCpuMs } from './proc.mjs';
import { track, trackTree } from './tracker.mjs';
import { freshRuntimeDir } from './workspace.mjs';

const SETPRIV = '/usr/bin/setpriv';

export class Appd {
  /** Starts weft-appd; standby: false sets WEFT_STANDBY=0. */
  static async start(ws, { standby = true, extraEnv = {} } = {}) {
    const runtimeDir = await freshRuntimeDir(ws);
    const env = { ...ws.env, XDG_RUNTIME_DIR: runtimeDir, WEFT_APPD_WS_PORT: '0', ...extraEnv };
    if (!standby) env.WEFT_STANDBY = '0';
    // setpriv --pdeathsig: the kernel SIGTERMs weft-appd if the bench dies, even by SIGKILL (appd then stops its sessions)
    const [file, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'TERM', '--', process.execPath, bin.appd]]
      : [process.execPath, [bin.appd]];
    const child = spawn(file, args, { env, stdio: ['ignore', extraEnv.WEFT_LOG ? 'pipe' : 'ignore', 'pipe'] });
    track(child.pid, 'weft-appd');
    const appd = new Appd(child, join(runtimeDir, 'weft', 'appd.sock'), standby);
    child.stderr.on('data', (c) => (appd.stderr = (appd.stderr + c).slice(-8000)));
    await appd.connect();
    return appd;
  }

  constructor(child, socket, standby) {
    this.child = child;
    this.pid = child.pid;
    this.socket = socket;
    this.standby = standby;
    this.stderr = '';
    this.events = []; // { t, e } for every event but IPC_MESSAGE
    this.waiters = new Set();
  }

  async connect() {
    const deadline = Date.now() + 15_000;
    while (!existsSync(this.socket)) {
      if (this.child.exitCode !== null) throw new Error(`weft-appd exited (${this.child.exitCode}) before listening:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`weft-appd did not listen on ${this.socket} within 15 s:\n${this.stderr}`);
      await sleep(10);
    }
    const { AppdClient } = await import(pathToFileURL(join(distDir, 'protocol', 'client.js')).href);
    this.client = await AppdClient.connect(this.socket);
    this.client.on('event', (e) => {
      if (e.type === 'IPC_MESSAGE') return;
      const entry = { t: performance.now(), e };
      this.events.push(entry);
      for (const w of this.waiters) w(entry);
    });
    this.expect(await this.client.request({ type: 'SUBSCRIBE' }), 'SUBSCRIBED');
  }

  expect(response, type) {
    if (response.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(response)}`);
    return response;
  }

  /** The first logged event (since index `from`) matching pred, or wait for one. Resolves { t, e }. */
  waitEvent(pred, timeoutMs = 30_000, from = 0) {
    for (let i = from; i < this.events.length; i++) if (pred(this.events[i].e)) return Promise.resolve(this.events[i]);
    return new Promise((resolve, reject) => {
      const w = (entry) => {
        if (!pred(entry.e)) return;
        this.waiters.delete(w);
        clearTimeout(timer);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** LAUNCH_APP, then waits for APP_READY: { sid, t0, readyAt (ms after send), mark (event index at send) }. */
  async launch(appId, { waitReady = true, timeoutMs = 30_000 } = {}) {
    const mark = this.events.length;
    const t0 = performance.now();
    const ack = this.expect(await this.client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 }), 'LAUNCH_ACK');
    const sid = ack.session_id;
    const out = { sid, t0, mark, ackAt: performance.now() - t0, readyAt: null };
    if (waitReady) out.readyAt = (await this.waitReady(sid, mark, timeoutMs)).t - t0;
    return out;
  }

  /** Resolves the APP_READY event of sid; rejects if the session stops first. */
  async waitReady(sid, from = 0, timeoutMs = 30_000) {
    const entry = await this.waitEvent(
      (e) => e.session_id === sid && (e.type === 'APP_READY' || (e.type === 'APP_STATE' && e.state === 'stopped')),
      timeoutMs,
      from,
    );
    if (entry.e.type !== 'APP_READY') throw new Error(`session ${sid} stopped before READY: ${JSON.stringify(entry.e)}\n${this.stderr.slice(-2000)}`);
    return entry;
  }

  waitStopped(sid, from = 0, timeoutMs = 30_000) {
    return this.waitEvent((e) => e.session_id === sid && e.type === 'APP_STATE' && e.state === 'stopped', timeoutMs, from);
  }

  async terminate(sid, from = 0) {
    const r = await this.client.request({ type: 'TERMINATE_APP', session_id: sid });
    if (r.type === 'APP_STATE' && r.state === 'stopped') return;
    if (r.type === 'ERROR' && r.code === 1) return; // already gone
    await this.waitStopped(sid, from, 15_000);
  }

  async session(sid) {
    return this.expect(await this.client.request({ type: 'QUERY_SESSION', session_id: sid }), 'SESSION_INFO').session;
  }

  async status() {
    return this.expect(await this.client.request({ type: 'QUERY_STATUS' }), 'DAEMON_STATUS').status;
  }

  /** Waits until weft-appd and all its children used no CPU for windowMs (standby pool refilled, exits reaped). */
  async quiet({ windowMs = 150, maxMs = 5000, slackMs = 10 } = {}) {
    const deadline = performance.now() + maxMs;
    let last = treeCpuMs(this.pid);
    for (;;) {
      await sleep(windowMs);
      const now = treeCpuMs(this.pid);
      if (now - last <= slackMs || performance.now() > deadline) return;
      last = now;
    }
  }

  cpuMs() {
    return stat(this.pid)?.cpuMs ?? null;
  }

  /** Closes the client, SIGTERMs weft-appd (SIGKILL after 10 s); records its children first for the leak check. */
  async stop() {
    trackTree(this.pid, 'weft-appd');
    this.client?.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
