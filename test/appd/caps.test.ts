// weft-appd's caps on live sessions and connected clients, through the real socket: past each, a specific ERROR, and room again once freed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppdClient } from '../../src/protocol/client.js';
import { ErrorCode, type Response } from '../../src/protocol/messages.js';
import { connect, FAKE_RUNTIME, installFakeApp, makeEnv, RawClient, requireBuilt, startDaemon, waitFor, type RunningDaemon, type TestEnv } from './harness.js';

const MAX_SESSIONS = 3;
const MAX_CLIENTS = 6;

describe('weft-appd limits', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;
  let client: AppdClient;

  beforeAll(async () => {
    requireBuilt();
    t = makeEnv(FAKE_RUNTIME, { WEFT_STANDBY: '0', WEFT_MAX_SESSIONS: String(MAX_SESSIONS), WEFT_MAX_CLIENTS: String(MAX_CLIENTS) });
    installFakeApp(t.store, 'org.weft.test.counter');
    daemon = await startDaemon(t);
    client = await connect(t);
  });

  afterAll(async () => {
    client?.close();
    await daemon?.stop();
    t?.cleanup();
  });

  /** Waits until appd counts `n` connected clients (it notices a hang-up asynchronously). */
  async function clientsBecome(n: number): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const status = (await client.request({ type: 'QUERY_STATUS' })) as { status: { clients: number } };
      if (status.status.clients === n) return;
      if (Date.now() > deadline) throw new Error(`appd still counts ${status.status.clients} clients, expected ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it(`refuses a launch past WEFT_MAX_SESSIONS=${MAX_SESSIONS}, counting launches sent together, and launches again once one stops`, async () => {
    // From separate connections and all at once (one connection's requests are handled in turn), so
    // the cap must hold while the first launches are still being prepared.
    const launchers = await Promise.all(Array.from({ length: MAX_SESSIONS + 2 }, () => RawClient.connect(t.socket)));
    for (const launcher of launchers) launcher.send({ type: 'LAUNCH_APP', app_id: 'org.weft.test.counter', surface_id: 0 });
    const answers = (await Promise.all(launchers.map((launcher) => launcher.frame(0, 10_000)))) as Response[];
    for (const launcher of launchers) launcher.close();
    await clientsBecome(1);
    const acks = answers.filter((a) => a.type === 'LAUNCH_ACK') as { session_id: number }[];
    const refusals = answers.filter((a) => a.type === 'ERROR');
    expect(acks).toHaveLength(MAX_SESSIONS);
    expect(refusals).toHaveLength(2);
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        type: 'ERROR',
        code: ErrorCode.limitReached,
        message: `cannot launch org.weft.test.counter: ${MAX_SESSIONS} sessions are live and weft-appd runs at most ${MAX_SESSIONS} (WEFT_MAX_SESSIONS); stop one with \`weftctl stop <session>\` or raise WEFT_MAX_SESSIONS`,
      });
    }
    expect(((await client.request({ type: 'QUERY_RUNNING' })) as { sessions: unknown[] }).sessions).toHaveLength(MAX_SESSIONS);

    await client.request({ type: 'TERMINATE_APP', session_id: acks[0]!.session_id });
    const again = await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.counter', surface_id: 0 });
    expect(again.type).toBe('LAUNCH_ACK');
    for (const ack of [...acks.slice(1), again as { session_id: number }]) await client.request({ type: 'TERMINATE_APP', session_id: ack.session_id });
  });

  it(`tells client ${MAX_CLIENTS + 1} why it is turned away, keeps serving the others, and has room again once one leaves`, async () => {
    // `client` is one; the others fill the cap.
    const others = await Promise.all(Array.from({ length: MAX_CLIENTS - 1 }, () => RawClient.connect(t.socket)));
    for (const other of others) other.send({ type: 'QUERY_RUNNING' });
    for (const other of others) expect(await other.frame(0)).toMatchObject({ type: 'RUNNING_APPS' });

    const extra = await RawClient.connect(t.socket);
    expect(await extra.frame(0)).toEqual({
      type: 'ERROR',
      code: ErrorCode.limitReached,
      message: `weft-appd already serves ${MAX_CLIENTS} clients, its limit (WEFT_MAX_CLIENTS=${MAX_CLIENTS}); close an idle client or raise WEFT_MAX_CLIENTS`,
    });
    await waitFor(() => extra.closed, 5000, 'the extra client to be disconnected');
    expect((await client.request({ type: 'QUERY_RUNNING' })).type).toBe('RUNNING_APPS');

    others[0]!.close();
    await clientsBecome(MAX_CLIENTS - 1);
    const welcome = await RawClient.connect(t.socket);
    welcome.send({ type: 'QUERY_RUNNING' });
    expect(await welcome.frame(0)).toMatchObject({ type: 'RUNNING_APPS' });
    welcome.close();
    for (const other of others.slice(1)) other.close();
  });
});
