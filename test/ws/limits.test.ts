// WebSocket clients and Unix socket clients share WEFT_MAX_CLIENTS; one over the cap is turned away, either way round.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, FAKE_RUNTIME, makeEnv, requireBuilt, startDaemon, type RunningDaemon, type TestEnv } from '../appd/harness.js';
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
