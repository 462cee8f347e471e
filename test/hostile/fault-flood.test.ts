// Faults from apps: a stdout flood (appd stays responsive, its log is rate-limited) and an app that never reads its IPC.
import { describe, expect, it } from 'vitest';
import { FLOOD_ID, FLOOD_NOLF_ID, placeFlood, placeNewlineFreeFlood } from './corpus/apps.js';
import type { LogRecord } from '../support/appd.js';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { CounterProbe } from './helpers/counter-probe.js';
import { rssBytes } from '../support/processes.js';
import { PeakSampler } from './helpers/proc.js';
import { record } from './helpers/results.js';

const MIB = 1024 * 1024;
/** The documented default WEFT_APP_LOG_RATE: lines per second forwarded per session, with a burst of the same size. */
const LOG_RATE = 200;
const FLOOD_SECONDS = 4;
/** A request must come back within this long even while an app floods (generous: CI machines are slow and shared). */
const LATENCY_BOUND_MS = 2000;

let counterId = 0;
const { appd, watcher } = appdSuiteForFile('flood', ['counter', 'hang'], {
  prepare: async (sandbox) => {
    await placeFlood(sandbox);
    await placeNewlineFreeFlood(sandbox);
  },
  // info: forwarded app output is logged at info; keep a bounded number of records.
  env: { WEFT_LOG: 'info' },
  keepLogs: 200_000,
  ready: async ({ watcher }) => {
    counterId = await watcher.launchReady('org.weft.demo.counter', 60_000);
  },
});

async function timed<T>(run: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Floods for FLOOD_SECONDS while timing requests; returns what got through to appd's log. */
async function flood(appId: string): Promise<{ forwarded: number; forwardedBytes: number; suppressed: number; seconds: number; latencies: number[]; peakRss: number; baseRss: number }> {
  const probe = new CounterProbe(watcher, counterId, Number((JSON.parse(await watcher.ipc(counterId, 'get')) as { count: number }).count));
  const baseRss = rssBytes(appd.pid) ?? 0;
  const rss = new PeakSampler(() => rssBytes(appd.pid)).start(100);
  let forwarded = 0;
  let forwardedBytes = 0;
  let suppressed = 0;
  let sessionId = -1;
  const stop = appd.onLog((r: LogRecord) => {
    if (r.session_id !== sessionId) return;
    if (r.stream === 'stdout') {
      forwarded += 1;
      forwardedBytes += Buffer.byteLength(String(r.msg ?? ''));
    }
    if (typeof r.suppressed === 'number') suppressed += r.suppressed;
  });
  const started = performance.now();
  sessionId = await watcher.launchReady(appId, 60_000);
  const latencies: number[] = [];
  const deadline = Date.now() + FLOOD_SECONDS * 1000;
  while (Date.now() < deadline) {
    latencies.push(await timed(() => watcher.request({ type: 'QUERY_STATUS' })));
    latencies.push(await timed(() => probe.once()));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const reply = await watcher.request({ type: 'TERMINATE_APP', session_id: sessionId });
  const seconds = (performance.now() - started) / 1000;
  expect(reply).toMatchObject({ type: 'APP_STATE', state: 'stopped' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop();
  expect(probe.failures).toEqual([]);
  return { forwarded, forwardedBytes, suppressed, seconds, latencies, peakRss: rss.stop(), baseRss };
}

describe('an app that floods stdout', () => {
  it(`leaves appd responsive (every request answered within ${LATENCY_BOUND_MS} ms) and its log rate-limited to ${LOG_RATE} lines/s`, async () => {
    const result = await flood(FLOOD_ID);
    record('fault-flood', {
      lines: { forwarded: result.forwarded, forwarded_mib: +(result.forwardedBytes / MIB).toFixed(2), suppressed: result.suppressed, seconds: +result.seconds.toFixed(1), max_latency_ms: Math.round(Math.max(...result.latencies)), rss_growth_mib: +((result.peakRss - result.baseRss) / MIB).toFixed(1) },
    });
    expect(result.latencies.length).toBeGreaterThan(10);
    expect(Math.max(...result.latencies)).toBeLessThan(LATENCY_BOUND_MS);
    // The bucket starts full (burst) and refills at LOG_RATE per second; one more second of slack for the clock.
    expect(result.forwarded).toBeGreaterThan(0);
    expect(result.forwarded).toBeLessThanOrEqual(LOG_RATE * (result.seconds + 1) + LOG_RATE);
    // The app wrote far more than that; appd says how much it dropped.
    expect(result.suppressed).toBeGreaterThan(result.forwarded);
    expect(result.peakRss - result.baseRss).toBeLessThan(128 * MIB);
  });

  it('a flood with no newline at all is cut into bounded lines and rate-limited the same way', async () => {
    const result = await flood(FLOOD_NOLF_ID);
    record('fault-flood', {
      no_newline: { forwarded: result.forwarded, forwarded_mib: +(result.forwardedBytes / MIB).toFixed(2), suppressed: result.suppressed, seconds: +result.seconds.toFixed(1), max_latency_ms: Math.round(Math.max(...result.latencies)), rss_growth_mib: +((result.peakRss - result.baseRss) / MIB).toFixed(1) },
    });
    expect(Math.max(...result.latencies)).toBeLessThan(LATENCY_BOUND_MS);
    expect(result.forwarded).toBeLessThanOrEqual(LOG_RATE * (result.seconds + 1) + LOG_RATE);
    expect(result.suppressed).toBeGreaterThan(0);
    expect(result.peakRss - result.baseRss).toBeLessThan(128 * MIB);
    // Pins a weakness: the limit counts lines, not bytes, and a line may be 64 KiB, so this app pushes
    // up to 200 × 64 KiB = 12.5 MiB/s into appd's log (the journal). A byte budget of 1 MiB/s is generous.
    expect(result.forwardedBytes / result.seconds, 'forwarded log bytes per second').toBeLessThan(MIB);
  });
});

describe('an app that never reads its IPC', () => {
  it('gets back-pressure (ERROR 8) instead of appd buffering without bound', async () => {
    const id = await watcher.launchReady('org.weft.test.hang', 60_000);
    const hangPid = await watcher.request({ type: 'QUERY_SESSION', session_id: id }).then((r) => (r.type === 'SESSION_INFO' ? r.session.pid : null));
    const baseRss = rssBytes(appd.pid) ?? 0;
    const rss = new PeakSampler(() => rssBytes(appd.pid)).start(100);
    const payload = 'p'.repeat(64 * 1024);
    let accepted = 0;
    let refusal: { code: number; message: string } | null = null;
    // 64 MiB is 64x appd's documented per-session IPC buffer (WEFT_IPC_BUFFER_BYTES, 1 MiB).
    for (let i = 0; i < 1024 && !refusal; i++) {
      const reply = await watcher.request({ type: 'IPC_FORWARD', session_id: id, payload });
      if (reply.type === 'ERROR') refusal = reply;
      else accepted += 1;
    }
    const peak = rss.stop();
    const runtimeRss = hangPid === null ? null : rssBytes(hangPid);
    record('fault-flood', { ipc_never_read: { accepted_mib: accepted / 16, refusal, appd_rss_growth_mib: +((peak - baseRss) / MIB).toFixed(1), runtime_rss_mib: runtimeRss && +(runtimeRss / MIB).toFixed(1) } });
    expect(refusal, `appd accepted ${accepted} × 64 KiB without pushing back`).toMatchObject({ code: 8 });
    expect(peak - baseRss).toBeLessThan(128 * MIB);
    // appd is still fine, and so are other sessions.
    expect(JSON.parse(await watcher.ipc(counterId, 'get'))).toHaveProperty('count');
    expect(await watcher.request({ type: 'TERMINATE_APP', session_id: id })).toMatchObject({ state: 'stopped' });
  });
});
