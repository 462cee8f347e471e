// Fuzzes a live weft-appd's socket with fast-check (100,000+ frames) while a counter session must keep answering.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { RESPONSE_FIELDS, type Response } from '../../src/protocol/messages.js';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { CounterProbe } from './helpers/counter-probe.js';
import { facts, frame, frameBody, isWellFormedLaunch, MAX_BODY, touchesSession, type FuzzContext } from './helpers/frames.js';
import { rssBytes } from '../support/processes.js';
import { PeakSampler } from './helpers/proc.js';
import { RawClient } from './helpers/raw-client.js';
import { record } from './helpers/results.js';
import { fixtureAppId } from './helpers/sandbox.js';

const MIB = 1024 * 1024;
/** Frames per connection and connections per property run; 100 runs give 104,000 frames. */
const FRAMES_PER_CONNECTION = 260;
const CONNECTIONS_PER_RUN = 4;
const RUNS = Number(process.env.WEFT_FUZZ_RUNS ?? 100);
/**
 * appd's RSS over its post-launch baseline while being fuzzed. Before the frame guard
 * (src/protocol/shape-guard.ts) peaks reached 110–575 MiB: a 6-byte array32 header or a 100,000-deep
 * body decoded to hundreds of MiB of objects. With it, peaks are ~50 MiB and the median ~30 MiB over
 * baseline; the median is what a per-frame leak would move (1 KiB × 100,000 frames ≈ 100 MiB).
 */
const RSS_PEAK_BOUND = 160 * MIB;
const RSS_MEDIAN_BOUND = 96 * MIB;

/** Every response type the message set defines (messages.ts is the one list). */
const RESPONSE_TYPES = new Set(Object.keys(RESPONSE_FIELDS));

let probe: CounterProbe;
let rss: PeakSampler;
let baselineRss = 0;
let counterId = 0;
let ctx: FuzzContext;
let installed: Set<string>;
const stats = { framed: 0, connections: 0, oversized: 0, truncated: 0, soupConnections: 0, soupBytes: 0, launchAcks: 0, errors: 0, acceptedOther: 0, dropped: 0 };
const launchedByFuzz: number[] = [];
let sentinel = 4_000_000_000;

/** A QUERY_APP_STATE for a session that cannot exist: its not_found answer marks a position in the reply stream. */
function marker(): { bytes: Buffer; id: number } {
  const id = sentinel++;
  return { bytes: frame(encode({ type: 'QUERY_APP_STATE', session_id: id })), id };
}

function isMarkerReply(response: Response | null, id: number): boolean {
  if (!response || response.type !== 'APP_STATE') return false;
  return response.session_id === id && response.state === 'not_found';
}

/** Every MARK_EVERY frames (and at the end) a marker goes in, so the reply stream's order is checked, not only its length. */
const MARK_EVERY = 32;

type Item = { kind: 'junk'; body: Uint8Array } | { kind: 'marker'; id: number; bytes: Buffer };

/** Sends well-framed bodies with markers among them on one connection; checks exactly one reply per frame, in order. */
async function sendBatch(bodies: readonly Uint8Array[]): Promise<void> {
  const kept = bodies.filter((body) => body.byteLength <= MAX_BODY && !touchesSession(facts(body), counterId));
  stats.dropped += bodies.length - kept.length;
  const items: Item[] = [];
  kept.forEach((body, i) => {
    if (i > 0 && i % MARK_EVERY === 0) items.push({ kind: 'marker', ...marker() });
    items.push({ kind: 'junk', body });
  });
  items.push({ kind: 'marker', ...marker() });
  const client = await RawClient.connect(appd.socketPath);
  stats.connections += 1;
  try {
    await client.write(Buffer.concat(items.map((item) => (item.kind === 'junk' ? frame(item.body) : item.bytes))));
    const complete = await client.until(() => client.answers.length >= items.length, 60_000);
    const answers = client.answers;
    expect(client.error, 'the daemon sent something undecodable').toBeNull();
    expect(complete && !client.closed, `the daemon answered ${answers.length} of ${items.length} frames and ${client.closed ? 'closed the connection' : 'went quiet'}`).toBe(true);
    expect(answers).toHaveLength(items.length);
    items.forEach((item, i) => {
      const answer = answers[i]!;
      if (item.kind === 'marker') {
        expect(isMarkerReply(answer.response, item.id), `answer ${i} should be marker ${item.id}'s, got ${JSON.stringify(answer.raw)}`).toBe(true);
        return;
      }
      expect(answer.response, `answer ${i} is not a protocol message: ${String(answer.raw)}`).not.toBeNull();
      const response = answer.response!;
      expect(RESPONSE_TYPES.has(response.type)).toBe(true);
      const wellFormed = isWellFormedLaunch(facts(item.body), installed);
      if (response.type === 'LAUNCH_ACK') {
        expect(wellFormed, `LAUNCH_ACK for a frame that is not a well-formed LAUNCH_APP: ${Buffer.from(item.body).toString('hex')}`).toBe(true);
        stats.launchAcks += 1;
        launchedByFuzz.push(response.session_id);
      } else if (wellFormed) {
        throw new Error(`a well-formed LAUNCH_APP got ${JSON.stringify(response)} (body ${Buffer.from(item.body).toString('hex')})`);
      } else if (response.type === 'ERROR') {
        stats.errors += 1;
        expect(typeof response.code === 'number' && typeof response.message === 'string').toBe(true);
      } else {
        stats.acceptedOther += 1;
      }
    });
    stats.framed += kept.length;
  } finally {
    client.destroy();
  }
}

const { appd, watcher } = appdSuiteForFile('fuzz', ['counter', 'hello'], {
  env: { WEFT_STANDBY: '0' },
  ready: async () => {
    const counter = fixtureAppId('counter');
    const hello = fixtureAppId('hello');
    installed = new Set([counter, hello]);
    counterId = await watcher.launchReady(counter, 60_000);
    ctx = { protectedSession: counterId, absentAppId: 'org.weft.fuzz.absent', launchableAppId: hello };
    probe = new CounterProbe(watcher, counterId);
    await probe.once(60_000);
    expect(probe.failures).toEqual([]);
    baselineRss = rssBytes(appd.pid) ?? 0;
    rss = new PeakSampler(() => rssBytes(appd.pid)).start(200);
    probe.start(200);
  },
});
// Registered after the suite's own hooks, so it runs before they stop appd.
afterAll(async () => {
  await probe?.stop();
  rss?.stop();
});

describe('weft-appd under protocol fuzzing', () => {
  it(`answers ${RUNS * CONNECTIONS_PER_RUN * FRAMES_PER_CONNECTION} junk frames one by one, in order, over ${RUNS * CONNECTIONS_PER_RUN} connections`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(frameBody(ctx), { minLength: FRAMES_PER_CONNECTION, maxLength: FRAMES_PER_CONNECTION }), { minLength: CONNECTIONS_PER_RUN, maxLength: CONNECTIONS_PER_RUN }), async (batches) => {
        await Promise.all(batches.map((bodies) => sendBatch(bodies)));
        expect(appd.running).toBe(true);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // A handful of frames are dropped because they would stop the probe session.
    expect(stats.framed).toBeGreaterThanOrEqual(RUNS * CONNECTIONS_PER_RUN * FRAMES_PER_CONNECTION - 1000);
  }, 420_000);

  it('answers a length prefix over 4 MiB with one ERROR (code 7) and closes only that connection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_BODY + 1, max: 0xffffffff }), fc.uint8Array({ maxLength: 64 }), async (length, tail) => {
        const client = await RawClient.connect(appd.socketPath);
        await client.write(frame(tail, length));
        await client.until(() => client.closed, 10_000);
        expect(client.closed).toBe(true);
        expect(client.answers.map((a) => a.response?.type === 'ERROR' && a.response.code)).toEqual([7]);
        stats.oversized += 1;
      }),
      { numRuns: 200 },
    );
  });

  it('answers every complete frame that came before a broken length prefix in the same write', async () => {
    // Regression: FrameDecoder.push used to throw on the bad prefix and lose the frames it had already decoded from that chunk.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer({ min: MAX_BODY + 1, max: 0xffffffff }), async (before, length) => {
        const client = await RawClient.connect(appd.socketPath);
        const marks = Array.from({ length: before }, () => marker());
        await client.write(Buffer.concat([...marks.map((m) => m.bytes), frame(new Uint8Array(0), length)]));
        await client.until(() => client.closed, 10_000);
        const answers = client.answers.map((a) => a.response);
        expect(answers.slice(0, before).every((r, i) => isMarkerReply(r, marks[i]!.id)), `answers: ${JSON.stringify(answers)}`).toBe(true);
        expect(answers[before]).toMatchObject({ type: 'ERROR', code: 7 });
      }),
      { numRuns: 20 },
    );
  });

  it('never answers a truncated frame and lets the connection go when the client hangs up', async () => {
    await fc.assert(
      fc.asyncProperty(frameBody(ctx), fc.nat(), async (body, cutSeed) => {
        const whole = frame(body);
        const cut = 1 + (cutSeed % (whole.length - 1));
        const client = await RawClient.connect(appd.socketPath);
        await client.write(whole.subarray(0, cut));
        client.end();
        await client.until(() => client.closed, 10_000);
        expect(client.closed).toBe(true);
        expect(client.answers).toEqual([]);
        stats.truncated += 1;
      }),
      { numRuns: 300 },
    );
  });

  it('survives byte soup: random bytes with random length prefixes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 2048, size: 'max' }), fc.nat().map((n) => Buffer.from(Uint32Array.of(n).buffer))), { minLength: 1, maxLength: 8 }), async (parts) => {
        const bytes = Buffer.concat(parts);
        const client = await RawClient.connect(appd.socketPath);
        await client.write(bytes);
        client.end();
        await client.until(() => client.closed, 10_000);
        expect(client.closed).toBe(true);
        expect(client.error).toBeNull();
        stats.soupConnections += 1;
        stats.soupBytes += bytes.length;
      }),
      { numRuns: 300 },
    );
  });

  it('takes a body of exactly 4 MiB, and a request trickled one byte at a time', async () => {
    const client = await RawClient.connect(appd.socketPath);
    const big = Buffer.alloc(MAX_BODY, 0xc1);
    const binary = Buffer.concat([Buffer.from([0xc6, 0, 0x3f, 0xff, 0xfb]), Buffer.alloc(MAX_BODY - 5, 7)]);
    const end = marker();
    await client.write(Buffer.concat([frame(big), frame(binary), end.bytes]));
    expect(await client.until(() => client.answers.length >= 3, 30_000)).toBe(true);
    expect(client.answers.map((a) => a.response?.type === 'ERROR' && a.response.code)).toEqual([2, 2, false]);
    expect(isMarkerReply(client.answers[2]!.response, end.id)).toBe(true);
    const slow = marker();
    for (const byte of slow.bytes) await client.write(Uint8Array.of(byte));
    expect(await client.until(() => client.answers.length >= 4, 10_000)).toBe(true);
    expect(isMarkerReply(client.answers[3]!.response, slow.id)).toBe(true);
    client.destroy();
  });

  it('created sessions only for well-formed LAUNCH_APP frames, and each of them stopped', async () => {
    const status = await appd.request({ type: 'QUERY_STATUS' });
    expect(status.type).toBe('DAEMON_STATUS');
    if (status.type !== 'DAEMON_STATUS') return;
    const { starting, running, stopping, stopped } = status.status.sessions;
    expect(starting + running + stopping + stopped).toBe(1 + launchedByFuzz.length);
    const highest = Math.max(counterId, ...launchedByFuzz);
    for (let id = 1; id <= highest + 20; id++) {
      const state = await appd.request({ type: 'QUERY_APP_STATE', session_id: id });
      const known = id === counterId || launchedByFuzz.includes(id);
      expect(state.type === 'APP_STATE' && state.state !== 'not_found', `session ${id}`).toBe(known);
    }
    for (const id of launchedByFuzz) {
      const reply = await watcher.request({ type: 'TERMINATE_APP', session_id: id });
      expect(reply).toMatchObject({ type: 'APP_STATE', session_id: id, state: 'stopped' });
    }
    record('protocol-fuzz', { launched_by_fuzz: launchedByFuzz.length });
  });

  it('kept the counter session answering during the fuzzing and after it', async () => {
    await probe.stop();
    await probe.once();
    expect(probe.failures).toEqual([]);
    expect(probe.rounds).toBeGreaterThanOrEqual(5);
    record('protocol-fuzz', { probe_rounds: probe.rounds, probe_max_latency_ms: Math.round(Math.max(...probe.latenciesMs)) });
  });

  it(`kept its RSS within ${RSS_PEAK_BOUND / MIB} MiB of the baseline at peak and ${RSS_MEDIAN_BOUND / MIB} MiB at the median`, async () => {
    const peak = rss.stop();
    const sorted = [...rss.series].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const series = rss.series.filter((_, i) => i % Math.max(1, Math.floor(rss.series.length / 40)) === 0).map((v) => Math.round(v / MIB));
    record('protocol-fuzz', { ...stats, baseline_rss_mib: +(baselineRss / MIB).toFixed(1), peak_rss_mib: +(peak / MIB).toFixed(1), median_rss_mib: +(median / MIB).toFixed(1), rss_samples: rss.samples, rss_series_mib: series });
    expect(appd.running).toBe(true);
    expect(rss.samples).toBeGreaterThan(10);
    expect(peak - baselineRss).toBeLessThan(RSS_PEAK_BOUND);
    expect(median - baselineRss).toBeLessThan(RSS_MEDIAN_BOUND);
    const status = await appd.request({ type: 'QUERY_STATUS' });
    // Every fuzz connection was let go: only the watcher and this request remain (a little slack for late closes).
    expect(status.type === 'DAEMON_STATUS' && status.status.clients).toBeLessThanOrEqual(4);
  });
});
