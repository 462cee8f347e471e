// Desktop sockets under the kernel sandbox: an app granted sys:notifications or sys:clipboard:* sees the session bus or the Wayland socket (and the variable naming it), an app without those grants sees neither, and a standby never serves such an app.
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desktopAccess } from '../../src/appd/sandbox/desktop.js';
import { NO_GRANTS, sameGrants } from '../../src/appd/sandbox/profile.js';
import type { SessionDetails } from '../../src/protocol/messages.js';
import { connect, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, ROOT, startDaemon, subscribe, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const missing = !realAppsReady(['counter']) ? 'the built fixture apps' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the desktop sockets suite needs ${missing}`);

const NOTIFY = [{ kind: 'notifications' }];
const CLIPBOARD = [{ kind: 'clipboard' }];

describe('desktopAccess: only the sockets the grants name, only when they exist', () => {
  const all = () => true;
  it('sys:notifications: the bus from DBUS_SESSION_BUS_ADDRESS (guid stripped), else $XDG_RUNTIME_DIR/bus', () => {
    expect(desktopAccess(NOTIFY, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/7/bus,guid=abc' }, all)).toEqual({
      sockets: ['/run/user/7/bus'],
      env: [['DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/7/bus']],
    });
    expect(desktopAccess(NOTIFY, { XDG_RUNTIME_DIR: '/run/user/7' }, all).sockets).toEqual(['/run/user/7/bus']);
    // An abstract socket belongs to the host's network namespace: unreachable from the sandbox, so nothing is bound.
    expect(desktopAccess(NOTIFY, { DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/tmp/dbus-x' }, all).sockets).toEqual([]);
  });

  it('sys:clipboard:*: the Wayland socket, relative to $XDG_RUNTIME_DIR or absolute', () => {
    expect(desktopAccess(CLIPBOARD, { XDG_RUNTIME_DIR: '/run/user/7', WAYLAND_DISPLAY: 'wayland-1' }, all)).toEqual({
      sockets: ['/run/user/7/wayland-1'],
      env: [['WAYLAND_DISPLAY', 'wayland-1']],
    });
    expect(desktopAccess(CLIPBOARD, { WAYLAND_DISPLAY: '/tmp/w.sock' }, all).sockets).toEqual(['/tmp/w.sock']);
  });

  it('no grant, or no socket on the host: nothing', () => {
    expect(desktopAccess([{ kind: 'fs' }, { kind: 'net-fetch' }], { XDG_RUNTIME_DIR: '/run/user/7', WAYLAND_DISPLAY: 'wayland-0' }, all)).toEqual({ sockets: [], env: [] });
    expect(desktopAccess([...NOTIFY, ...CLIPBOARD], { XDG_RUNTIME_DIR: '/run/user/7' }, () => false)).toEqual({ sockets: [], env: [] });
  });

  it('a standby (no grants) does not match a profile with a desktop socket', () => {
    expect(sameGrants(NO_GRANTS, { dataBinds: [], network: false, sockets: ['/run/user/7/bus'] })).toBe(false);
    expect(sameGrants(NO_GRANTS, { dataBinds: [], network: false, sockets: [] })).toBe(true);
  });
});

describe.skipIf(missing !== null)('a confined runtime reaches the desktop sockets its grants name, and no others', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;
  const servers: Server[] = [];
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    for (const s of servers) s.close();
    t?.cleanup();
  });

  /** The counter package under another id, with `caps` granted. */
  function installAs(store: string, id: string, caps: string): void {
    const dir = join(store, id);
    cpSync(join(ROOT, 'apps', 'counter'), dir, { recursive: true, filter: (path) => !path.includes('/src') });
    const toml = readFileSync(join(dir, 'wapp.toml'), 'utf8');
    writeFileSync(join(dir, 'wapp.toml'), toml.replace('org.weft.demo.counter', id).replace('capabilities = []', `capabilities = [${caps}]`));
  }

  function listen(path: string): Promise<void> {
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    return new Promise((resolve) => server.listen(path, resolve));
  }

  it('notifications app: the bus is there with its variable; clipboard app: the Wayland socket; counter: neither; none of them warm', async () => {
    t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info', WEFT_STANDBY: '1', WAYLAND_DISPLAY: 'wayland-test' });
    const runDir = t.env.XDG_RUNTIME_DIR as string;
    const bus = join(runDir, 'bus');
    const wayland = join(runDir, 'wayland-test');
    await listen(bus);
    await listen(wayland);
    installRealApp(t.store, 'counter');
    // Same package under other ids, with desktop grants.
    const notifyId = 'org.weft.test.notify';
    const clipId = 'org.weft.test.clip';
    installAs(t.store, notifyId, '"sys:notifications"');
    installAs(t.store, clipId, '"sys:clipboard:write"');
    daemon = await startDaemon(t);
    const client = await connect(t);
    const events = await subscribe(client);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the standby boots

    const run = async (appId: string): Promise<SessionDetails> => {
      const ack = await client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 });
      if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
      await waitFor(() => events.find((e) => e.type === 'APP_READY' && e.session_id === ack.session_id), 30_000, `${appId} READY`);
      return ((await client.request({ type: 'QUERY_SESSION', session_id: ack.session_id })) as { session: SessionDetails }).session;
    };
    const inside = (pid: number, path: string) => existsSync(join(`/proc/${pid}/root`, path)) && statSync(join(`/proc/${pid}/root`, path)).isSocket();
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

    const notify = await run(notifyId);
    const notifyPid = notify.pid as number;
    expect(inside(notifyPid, bus)).toBe(true);
    expect(inside(notifyPid, wayland)).toBe(false);
    expect(environ(notifyPid)).toContain(`DBUS_SESSION_BUS_ADDRESS=unix:path=${bus}`);

    const clip = await run(clipId);
    const clipPid = clip.pid as number;
    expect(inside(clipPid, wayland)).toBe(true);
    expect(inside(clipPid, bus)).toBe(false);
    expect(environ(clipPid)).toContain('WAYLAND_DISPLAY=wayland-test');

    const counter = await run('org.weft.demo.counter');
    expect(inside(counter.pid as number, bus)).toBe(false);
    expect(inside(counter.pid as number, wayland)).toBe(false);

    // The standby could serve only counter (no grants); the desktop apps started cold.
    const started = daemon.logs.filter((l) => l.msg === 'runtime started');
    const warmOf = (sid: number) => started.find((l) => l.session_id === sid)?.warm;
    expect(warmOf(notify.session_id)).toBe(false);
    expect(warmOf(clip.session_id)).toBe(false);
    client.close();
  });
});
