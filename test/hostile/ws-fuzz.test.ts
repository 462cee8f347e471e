// Fuzzes a live weft-appd's WebSocket endpoint (handshakes, raw frames, JSON) while a counter session must keep answering; appd stays up with bounded RSS.
import { join } from 'node:path';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { CounterProbe } from './helpers/counter-probe.js';
import { PeakSampler } from './helpers/proc.js';
import { record } from './helpers/results.js';
import { fixtureAppId } from './helpers/sandbox.js';
import { readWhenPresent } from '../ws/ws-client.js';
import { RawWs, upgradeRequest, wsFrame } from './helpers/ws-raw.js';
import { rssBytes } from '../support/processes.js';

const MIB = 1024 * 1024;
/** appd's RSS over its post-launch baseline while being fuzzed (the same bound as the Unix socket fuzz). */
const RSS_PEAK_BOUND = 160 * MIB;
const RUNS = Number(process.env.WEFT_FUZZ_RUNS ?? 100);

let probe: CounterProbe;
let rss: PeakSampler;
let baselineRss = 0;
let counterId = 0;
let port = 0;
const stats = { rawConnections: 0, rawFrames: 0, jsonFrames: 0, answers: 0 };

const { sandbox, appd, watcher } = appdSuiteForFile('ws-fuzz', ['counter'], {
  env: { WEFT_STANDBY: '0' },
  ready: async () => {
    port = Number(readWhenPresent(join(sandbox.runtimeDir, 'weft', 'appd.wsport')));
    counterId = await watcher.launchReady(fixtureAppId('counter'), 60_000);
    probe = new CounterProbe(watcher, counterId);
    await probe.once(60_000);
    expect(probe.failures).toEqual([]);
    baselineRss = rssBytes(appd.pid) ?? 0;
    rss = new PeakSampler(() => rssBytes(appd.pid)).start(200);
    probe.start(200);
  },
});
afterAll(async () => {
  await probe?.stop();
  rss?.stop();
});

function alive(): void {
  expect(appd.exit, 'weft-appd exited').toBeNull();
}

describe('handshakes', () => {
  it('closes malformed and slow handshakes; the endpoint keeps accepting', async () => {
    const bad = [
      'GARBAGE\r\n\r\n',
      '\x00\x01\x02\xff\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 99\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Long: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      upgradeRequest(port, `Origin: null\r\n`),
    ];
    const clients = await Promise.all(bad.map(async (request) => {
      const raw = await RawWs.open(port);
      raw.write(request);
      return raw;
    }));
    for (const [i, raw] of clients.entries()) expect(await raw.until(() => raw.closed, 10_000), `bad handshake #${i} left open after ${JSON.stringify(raw.received.toString('latin1').slice(0, 80))}`).toBe(true);
    for (const raw of clients) expect(raw.received.toString('latin1')).not.toMatch(/^HTTP\/1\.1 101/);
    // Slow handshakes: half a request, then silence; each is cut off by the handshake deadline.
    const slow = await Promise.all(Array.from({ length: 20 }, async () => {
      const raw = await RawWs.open(port);
      raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgr`);
      return raw;
    }));
    const silent = await RawWs.open(port);
    for (const raw of [...slow, silent]) expect(await raw.until(() => raw.closed, 20_000), 'a slow handshake was never cut off').toBe(true);
    const ok = await RawWs.upgraded(port);
    ok.close();
    alive();
  });
});

describe('frames', () => {
  it('closes connections that break the framing rules, with the right close code', async () => {
    const text = (s: string) => Buffer.from(s, 'utf8');
    const cases: { name: string; bytes: Buffer; code: number }[] = [
      { name: 'unmasked frame', bytes: wsFrame({ opcode: 1, payload: text('{}'), masked: false }), code: 1002 },
      { name: 'reserved opcode', bytes: wsFrame({ opcode: 3, payload: text('x') }), code: 1002 },
      { name: 'rsv bits', bytes: wsFrame({ opcode: 1, rsv: 7, payload: text('{}') }), code: 1002 },
      { name: 'control frame over 125 bytes', bytes: wsFrame({ opcode: 9, payload: Buffer.alloc(200) }), code: 1002 },
      { name: 'fragmented control frame', bytes: wsFrame({ opcode: 9, fin: false, payload: text('p') }), code: 1002 },
      { name: 'continuation without a start', bytes: wsFrame({ opcode: 0, payload: text('x') }), code: 1002 },
      { name: 'invalid UTF-8 text', bytes: wsFrame({ opcode: 1, payload: Buffer.from([0xc3, 0x28]) }), code: 1007 },
      { name: 'oversize length header', bytes: wsFrame({ opcode: 1, payload: Buffer.alloc(0), claimedLength: 1n << 40n }), code: 1009 },
      { name: 'length over 2^63', bytes: wsFrame({ opcode: 1, payload: Buffer.alloc(0), claimedLength: (1n << 64n) - 1n }), code: 1009 },
    ];
    for (const c of cases) {
      const raw = await RawWs.upgraded(port);
      raw.write(c.bytes);
      expect(await raw.until(() => raw.closed, 10_000), `${c.name}: not closed`).toBe(true);
      expect(raw.closeCode(), c.name).toBe(c.code);
    }
    alive();
  });

  it('reassembles a fragmented message, answers pings, and refuses a message over the cap', async () => {
    const raw = await RawWs.upgraded(port);
    const message = Buffer.from(JSON.stringify({ type: 'QUERY_APP_STATE', session_id: 4_000_000_001 }));
    raw.write(wsFrame({ opcode: 1, fin: false, payload: message.subarray(0, 5) }));
    raw.write(wsFrame({ opcode: 9, payload: Buffer.from('ping!') }));
    raw.write(wsFrame({ opcode: 0, fin: false, payload: message.subarray(5, 12) }));
    raw.write(wsFrame({ opcode: 0, fin: true, payload: message.subarray(12) }));
    // Events (the counter probe's IPC_MESSAGEs reach every full-role connection) are not answers.
    const answers = () => raw.texts().map((text) => JSON.parse(text) as Record<string, unknown>).filter((m) => m.event !== true);
    expect(await raw.until(() => answers().length === 1, 10_000)).toBe(true);
    expect(answers()[0]).toEqual({ type: 'APP_STATE', session_id: 4_000_000_001, state: 'not_found' });
    expect(raw.received.includes(Buffer.from([0x8a, 5]))).toBe(true); // the pong, unmasked, 5 bytes
    raw.close();
    // Over the cap by fragments adding up, and as one message.
    const big = await RawWs.upgraded(port);
    for (let i = 0; i < 3; i++) big.write(wsFrame({ opcode: i === 0 ? 1 : 0, fin: false, payload: Buffer.alloc(512 * 1024, 0x20) }));
    expect(await big.until(() => big.closed, 10_000)).toBe(true);
    expect(big.closeCode()).toBe(1009);
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve) => client.once('open', resolve));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    client.send(JSON.stringify({ type: 'IPC_FORWARD', session_id: counterId + 1000, payload: 'x'.repeat(2 * MIB) }));
    expect(await closed).toBe(1009);
    alive();
  });

  it(`survives ${RUNS} runs of random frames on fresh connections`, async () => {
    const frameArb = fc.record({
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      opcode: fc.integer({ min: 0, max: 15 }),
      payload: fc.uint8Array({ maxLength: 300 }),
      masked: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(frameArb.map(wsFrame), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))), { minLength: 1, maxLength: 20 }), async (chunks) => {
        const raw = await RawWs.upgraded(port);
        stats.rawConnections += 1;
        stats.rawFrames += chunks.length;
        for (const chunk of chunks) raw.write(chunk);
        await raw.until(() => raw.closed, 50);
        raw.close();
        return appd.exit === null;
      }),
      { numRuns: RUNS },
    );
    alive();
  });
});

describe('JSON', () => {
  it(`answers every one of ${RUNS * 30} random JSON and non-JSON text frames exactly once, in order`, async () => {
    const safeType = fc.constantFrom('QUERY_RUNNING', 'QUERY_INSTALLED_APPS', 'QUERY_APP_STATE', 'QUERY_SESSION', 'QUERY_STATUS', 'PANEL_GESTURE', 'LAUNCH_APP', 'IPC_FORWARD', 'TERMINATE_APP', 'AUTH', 'SUBSCRIBE', 'NOPE', '');
    // Session ids and app ids that cannot touch the counter: what the fuzz sends must not stop the probe's session.
    const message = fc.record({
      type: safeType,
      session_id: fc.oneof(fc.integer({ min: 1_000_000, max: 2_000_000 }), fc.string(), fc.constant(null), fc.double()),
      app_id: fc.constantFrom('org.weft.fuzz.absent', '', '../etc'),
      surface_id: fc.oneof(fc.nat(), fc.string()),
      payload: fc.string({ maxLength: 200 }),
      gesture_type: fc.oneof(fc.nat(3), fc.double()),
      fingers: fc.nat(5),
      dx: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      dy: fc.integer(),
      token: fc.string(),
    }, { requiredKeys: ['type'] }).map((m) => JSON.stringify(m));
    const junk = fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constantFrom('', '{', '[[[[[[[[', '{"type":', 'null', '"QUERY_RUNNING"', '{"type":"QUERY_RUNNING"}}'), message);
    await fc.assert(
      fc.asyncProperty(fc.array(junk, { minLength: 30, maxLength: 30 }), async (texts) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/`);
        const answers: Record<string, unknown>[] = [];
        client.on('message', (data) => {
          const parsed = JSON.parse(String(data)) as Record<string, unknown>;
          if (parsed.event !== true) answers.push(parsed);
        });
        await new Promise((resolve, reject) => {
          client.once('open', resolve);
          client.once('error', reject);
        });
        for (const text of texts) client.send(text);
        client.send(JSON.stringify({ type: 'QUERY_APP_STATE', session_id: 4_000_000_000 }));
        const deadline = Date.now() + 30_000;
        while (answers.length < texts.length + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        client.terminate();
        stats.jsonFrames += texts.length;
        stats.answers += answers.length;
        expect(answers).toHaveLength(texts.length + 1);
        expect(answers[texts.length]).toEqual({ type: 'APP_STATE', session_id: 4_000_000_000, state: 'not_found' });
        return true;
      }),
      { numRuns: RUNS },
    );
    alive();
  });
});

describe('afterwards', () => {
  it('weft-appd is alive, its RSS stayed bounded and the counter answered throughout', async () => {
    await probe.stop();
    const peak = rss.stop();
    alive();
    expect(probe.failures).toEqual([]);
    expect(probe.rounds).toBeGreaterThan(0);
    await probe.once();
    expect(probe.failures).toEqual([]);
    record('ws-fuzz', { ...stats, baselineRss, peakRss: peak, probeRounds: probe.rounds });
    expect(peak - baselineRss).toBeLessThan(RSS_PEAK_BOUND);
  });
});
