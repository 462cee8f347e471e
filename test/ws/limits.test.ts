// WebSocket clients and Unix socket clients share WEFT_MAX_CLIENTS; one over the cap is turned away, either way round.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, startDaemon, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { WsClient, wsPort } from './ws-client.js';

let t: TestEnv;
let daemon: RunningDaemon;

beforeAll(async () => {
  requireBuilt();
  t = makeEnv(FAKE_RUNTIME, { WEFT_MAX_CLIENTS: '2' });
  daemon = await startDaemon(t);
});

afterAll(async () => {
  await daemon?.stop();
  t?.cleanup();
});

describe('WEFT_MAX_CLIENTS across both doors', () => {
  it('turns away a third client, whichever door it uses, and counts both in QUERY_STATUS', async () => {
    const port = wsPort(t);
    const unix = await connect(t);
    // startDaemon's readiness probe was a client too: under load appd may not have seen it close
    // yet, and it would still count against the cap (the WebSocket below was then turned away).
    for (let i = 0; ; i++) {
      const status = await unix.request({ type: 'QUERY_STATUS' });
      if (status.type === 'DAEMON_STATUS' && status.status.clients === 1) break;
      if (i > 200) throw new Error(`appd still counts ${JSON.stringify(status)} clients besides this one`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const ws = await WsClient.open(port);
    try {
      const status = await ws.request({ type: 'QUERY_STATUS' });
      expect((status.status as { clients: number }).clients).toBe(2);
      await expect(WsClient.open(port)).rejects.toThrow();
      const third = await connect(t);
      expect(await third.request({ type: 'QUERY_RUNNING' })).toMatchObject({ type: 'ERROR', code: 11 });
      third.close();
    } finally {
      ws.close();
      unix.close();
    }
  });
});

describe('a WebSocket client that stops reading', () => {
  it('is dropped once its send buffer passes the cap; appd keeps serving', async () => {
    const env = makeEnv(FAKE_RUNTIME);
    installFakeApp(env.store, 'org.test.echo');
    const appd = await startDaemon(env);
    const port = wsPort(env);
    const driver = await WsClient.open(port);
    const stalled = await WsClient.open(port);
    try {
      // The stalled client's TCP socket stops reading: events pile up in appd's buffer for it.
      (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const session = (await driver.request({ type: 'LAUNCH_APP', app_id: 'org.test.echo', surface_id: 0 })).session_id as number;
      await driver.next((m) => m.type === 'APP_READY', 'APP_READY');
      const payload = 'x'.repeat(512 * 1024);
      for (let i = 0; i < 120 && !appd.logs.some((l) => l.msg === 'dropping a WebSocket client that stopped reading'); i++) {
        await driver.request({ type: 'IPC_FORWARD', session_id: session, payload });
        await driver.next((m) => m.type === 'IPC_MESSAGE', 'the echo', driver.messages.length - 1).catch(() => undefined);
      }
      expect(appd.logs.some((l) => l.msg === 'dropping a WebSocket client that stopped reading')).toBe(true);
      expect((await driver.request({ type: 'QUERY_RUNNING' })).type).toBe('RUNNING_APPS');
    } finally {
      driver.close();
      stalled.close();
      await appd.stop();
      env.cleanup();
    }
  });
});
