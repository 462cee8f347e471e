// Wire-level tests: malformed frames from one client never disturb another, a WEFT-style array-encoded client works, slow subscribers are dropped.
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/messages.js';
import { rssBytes } from '../support/processes.js';
import { FAKE_RUNTIME, installFakeApp, RawClient, subscribedDaemonForSuite, waitFor } from './harness.js';

function rawFrame(body: Uint8Array, length = body.byteLength): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(length >>> 0, 0);
  return Buffer.concat([head, body]);
}

describe('the daemon socket protocol', () => {
  const { t, daemon, client: good, events } = subscribedDaemonForSuite(FAKE_RUNTIME, { WEFT_STANDBY: '0' }, (t) => {
    installFakeApp(t.store, 'org.weft.test.counter');
    installFakeApp(t.store, 'org.weft.test.echo');
  });

  it('answers malformed frames with ERROR (or closes on a broken length) while another client keeps working', async () => {
    const ack = (await good.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.counter', surface_id: 0 })) as { session_id: number };
    const sid = ack.session_id;
    await waitFor(() => events.some((e) => e.type === 'APP_READY' && e.session_id === sid), 10_000, 'ready');

    const bad = await RawClient.connect(t.socket);
    bad.sendBytes(rawFrame(Uint8Array.of(0xc1)));
    bad.send({ type: 'NO_SUCH_THING' });
    bad.send({ type: 'LAUNCH_APP', surface_id: 0 });
    bad.send(42);
    bad.send({ type: 'TERMINATE_APP', session_id: -1 });
    bad.send({ type: 'QUERY_RUNNING' });
    expect(await bad.frame(0)).toMatchObject({ type: 'ERROR', code: ErrorCode.badRequest });
    expect(await bad.frame(1)).toMatchObject({ type: 'ERROR', code: ErrorCode.unknownType, message: 'unknown request type "NO_SUCH_THING"' });
    expect(await bad.frame(2)).toMatchObject({ type: 'ERROR', code: ErrorCode.badRequest, message: 'LAUNCH_APP is missing field "app_id"' });
    expect(await bad.frame(3)).toMatchObject({ type: 'ERROR', code: ErrorCode.badRequest });
    expect(await bad.frame(4)).toMatchObject({ type: 'ERROR', code: ErrorCode.badRequest });
    // The connection survived all of that.
    expect(await bad.frame(5)).toMatchObject({ type: 'RUNNING_APPS' });

    // Meanwhile the good client is served normally.
    await good.request({ type: 'IPC_FORWARD', session_id: sid, payload: 'increment' });
    await waitFor(() => events.some((e) => e.type === 'IPC_MESSAGE' && e.payload === '{"count":1}'), 5000, 'reply');

    // A length over 4 MiB cannot be resynchronised: one ERROR, then the connection is closed.
    bad.sendBytes(rawFrame(new Uint8Array(0), 5 * 1024 * 1024));
    expect(await bad.frame(6)).toMatchObject({ type: 'ERROR', code: ErrorCode.payloadTooLarge });
    await waitFor(() => bad.closed, 5000, 'bad client closed');

    // A client that hangs up mid-frame changes nothing either.
    const half = await RawClient.connect(t.socket);
    half.sendBytes(rawFrame(new Uint8Array(10), 100));
    half.close();

    await good.request({ type: 'IPC_FORWARD', session_id: sid, payload: 'increment' });
    await waitFor(() => events.some((e) => e.type === 'IPC_MESSAGE' && e.payload === '{"count":2}'), 5000, 'second reply');
    expect(await good.request({ type: 'TERMINATE_APP', session_id: sid })).toMatchObject({ state: 'stopped' });
  });

  it('refuses frames that would decode into far more memory than they carry, and does not grow', async () => {
    const rssMiB = () => (rssBytes(daemon.pid) ?? 0) / (1024 * 1024);
    const baseline = rssMiB();
    let peak = baseline;
    const client = await RawClient.connect(t.socket);
    // An array32 header claiming 16 million items in 6 bytes (128 MiB of slots if decoded naively),
    // 64 levels of nesting, and 2 MiB of empty arrays (2 million objects, ~80 MiB decoded).
    const flatCount = 2 * 1024 * 1024 - 5;
    const flat = new Uint8Array(5 + flatCount).fill(0x90);
    flat.set([0xdd, flatCount >>> 24, (flatCount >>> 16) & 0xff, (flatCount >>> 8) & 0xff, flatCount & 0xff]);
    const kinds = [
      { body: Uint8Array.from([0xdd, 0x01, 0x00, 0x00, 0x00, 0xc0]), refusal: /^frame body refused before decoding: an array at byte 0 declares 16777216 items but only 1 bytes follow/ },
      { body: Uint8Array.from([...new Array<number>(64).fill(0x91), 0xc0]), refusal: /^frame body refused before decoding: the body nests deeper than 32 levels/ },
      { body: flat, refusal: /^frame body refused before decoding: the body holds more than 65536 values/ },
    ];
    for (let i = 0; i < 24; i++) {
      const kind = kinds[i % kinds.length]!;
      client.sendBytes(rawFrame(kind.body));
      const answer = await client.frame(i);
      expect(answer).toMatchObject({ type: 'ERROR', code: ErrorCode.badRequest });
      expect((answer as { message: string }).message).toMatch(kind.refusal);
      peak = Math.max(peak, rssMiB());
    }
    client.send({ type: 'QUERY_RUNNING' });
    expect(await client.frame(24)).toMatchObject({ type: 'RUNNING_APPS' });
    expect(peak - baseline, `weft-appd grew from ${baseline.toFixed(0)} to ${peak.toFixed(0)} MiB`).toBeLessThan(48);
    client.close();
  });

  it('answers pipelined requests one for one, in order', async () => {
    const raw = await RawClient.connect(t.socket);
    const requests = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? { type: 'QUERY_APP_STATE', session_id: 1000 + i } : { type: 'QUERY_STATUS' }));
    raw.sendBytes(Buffer.concat(requests.map((r) => rawFrame(encode(r)))));
    await raw.frame(39);
    raw.frames.forEach((frame, i) => {
      if (i % 2 === 0) expect(frame).toEqual({ type: 'APP_STATE', session_id: 1000 + i, state: 'not_found' });
      else expect(frame).toMatchObject({ type: 'DAEMON_STATUS' });
    });
    raw.close();
  });

  it('serves a WEFT-style client that sends rmp_serde arrays, answering in arrays', async () => {
    const weft = await RawClient.connect(t.socket);
    weft.send(['LAUNCH_APP', 'org.weft.test.counter', 0]);
    const ack = (await weft.frame(0)) as [string, number, string];
    expect(ack[0]).toBe('LAUNCH_ACK');
    expect(ack[2]).toBe('org.weft.test.counter');
    const sid = ack[1];
    weft.send(['QUERY_RUNNING']);
    expect(await weft.frame(1)).toEqual(['RUNNING_APPS', [[sid, 'org.weft.test.counter']]]);
    let index = 2;
    // Poll QUERY_APP_STATE until READY, as a WEFT client without SUBSCRIBE would.
    for (;;) {
      weft.send(['QUERY_APP_STATE', sid]);
      const state = (await weft.frame(index++)) as [string, number, string];
      expect(state.slice(0, 2)).toEqual(['APP_STATE', sid]);
      if (state[2] === 'running') break;
      expect(state[2]).toBe('starting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    weft.send(['IPC_FORWARD', sid, 'increment']);
    expect(await weft.frame(index++)).toEqual(['APP_STATE', sid, 'running']);
    weft.send(['QUERY_INSTALLED_APPS']);
    const installed = (await weft.frame(index++)) as [string, Array<[string, string, string]>];
    expect(installed[0]).toBe('INSTALLED_APPS');
    expect(installed[1]).toContainEqual(['org.weft.test.counter', 'counter', '1.0.0']);
    weft.send(['PANEL_GESTURE', 2, 4, 1.5, 0]);
    expect(await weft.frame(index++)).toEqual(['NAVIGATION_GESTURE', 2, 4, 1.5, 0]);
    weft.send(['TERMINATE_APP', sid]);
    expect(await weft.frame(index++)).toEqual(['APP_STATE', sid, 'stopped']);
    weft.send(['TERMINATE_APP', 9999]);
    expect(await weft.frame(index++)).toEqual(['ERROR', 1, 'session 9999 not found']);
    weft.send(['QUERY_APP_STATE', 9999]);
    expect(await weft.frame(index++)).toEqual(['APP_STATE', 9999, 'not_found']);
    weft.send(['LAUNCH_APP', 'org.weft.test.absent', 0]);
    expect(await weft.frame(index++)).toEqual(['ERROR', ErrorCode.appNotInstalled, expect.stringContaining('not installed')]);
    weft.close();
  });

  it('drops a subscriber that stops reading instead of buffering without bound', async () => {
    const slow = await RawClient.connect(t.socket);
    slow.send({ type: 'SUBSCRIBE' });
    await slow.frame(0);
    slow.socket.pause();
    const ack = (await good.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.echo', surface_id: 0 })) as { session_id: number };
    const sid = ack.session_id;
    await waitFor(() => events.some((e) => e.type === 'APP_READY' && e.session_id === sid), 10_000, 'ready');
    const payload = 'y'.repeat(128 * 1024);
    for (let i = 0; i < 120 && !daemon.logs.some((l) => l.msg === 'dropping a client that stopped reading'); i++) {
      await good.request({ type: 'IPC_FORWARD', session_id: sid, payload });
      // Let the echo come back, so the relay never applies back-pressure here.
      await waitFor(() => events.filter((e) => e.type === 'IPC_MESSAGE' && e.session_id === sid).length > i || undefined, 5000, 'echo');
    }
    await waitFor(() => daemon.logs.some((l) => l.msg === 'dropping a client that stopped reading'), 5000, 'slow subscriber dropped');
    slow.socket.resume();
    await waitFor(() => slow.closed, 5000, 'slow client closed');
    const status = (await good.request({ type: 'QUERY_STATUS' })) as { status: { rss_bytes: number } };
    expect(status.status.rss_bytes).toBeLessThan(300 * 1024 * 1024);
    await good.request({ type: 'TERMINATE_APP', session_id: sid });
  });
});
