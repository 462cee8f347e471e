// Faults from clients: connections that send nothing (or half a frame) and never leave, and 200 clients at once.
import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { frame } from './helpers/frames.js';
import { rssBytes } from '../support/processes.js';
import { fdCount, PeakSampler } from './helpers/proc.js';
import { RawClient } from './helpers/raw-client.js';
import { record } from './helpers/results.js';

const CLIENTS = 200;
const SILENT = 64;
const LATENCY_BOUND_MS = 2000;

let counterId = 0;
const { appd, watcher } = appdSuiteForFile('clients', ['counter'], {
  ready: async ({ watcher }) => {
    counterId = await watcher.launchReady('org.weft.demo.counter', 60_000);
  },
});

async function count(): Promise<number> {
  return (JSON.parse(await watcher.ipc(counterId, 'get')) as { count: number }).count;
}

describe('clients that connect and then send nothing', () => {
  it(`${SILENT} silent clients and ${SILENT} clients stuck mid-frame do not block anyone else`, async () => {
    const silent = await Promise.all(Array.from({ length: SILENT }, () => RawClient.connect(appd.socketPath)));
    const stuck = await Promise.all(Array.from({ length: SILENT }, () => RawClient.connect(appd.socketPath)));
    const half = frame(encode({ type: 'QUERY_STATUS' }));
    for (const client of stuck) await client.write(half.subarray(0, 3 + Math.floor(Math.random() * (half.length - 3))));
    try {
      const latencies: number[] = [];
      const before = await count();
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const status = await watcher.request({ type: 'QUERY_STATUS' });
        expect(status.type).toBe('DAEMON_STATUS');
        expect(JSON.parse(await watcher.ipc(counterId, 'increment'))).toEqual({ count: before + i + 1 });
        latencies.push(performance.now() - started);
      }
      // A brand-new client is served too.
      const fresh = await appd.request({ type: 'QUERY_RUNNING' });
      expect(fresh).toMatchObject({ type: 'RUNNING_APPS', sessions: [{ session_id: counterId }] });
      record('fault-clients', { silent_clients: SILENT * 2, max_latency_ms: Math.round(Math.max(...latencies)) });
      expect(Math.max(...latencies)).toBeLessThan(LATENCY_BOUND_MS);
      // None of them got an answer to anything.
      expect([...silent, ...stuck].every((c) => c.answers.length === 0 && !c.closed)).toBe(true);
    } finally {
      for (const client of [...silent, ...stuck]) client.destroy();
    }
  });
});

describe('a client that sends requests but never reads the answers', () => {
  it('is dropped once its unread answers pass the cap, and appd does not hold them without bound', async () => {
    const baseRss = rssBytes(appd.pid) ?? 0;
    const rss = new PeakSampler(() => rssBytes(appd.pid)).start(100);
    const reader = await RawClient.connect(appd.socketPath);
    reader.pause();
    // 100,000 pipelined QUERY_STATUS requests: ~2 MiB in, ~25 MiB of answers out if appd answered them all.
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => frame(encode({ type: 'QUERY_STATUS' }))));
    let written = 0;
    for (let i = 0; i < 100 && !reader.closed; i++) {
      await Promise.race([reader.write(burst), new Promise((resolve) => setTimeout(resolve, 2000))]);
      written += 1000;
      // Meanwhile everyone else is served.
      if (i % 10 === 0) expect((await watcher.request({ type: 'QUERY_STATUS' })).type).toBe('DAEMON_STATUS');
    }
    const closed = await reader.until(() => reader.closed, 30_000);
    const peak = rss.stop();
    record('fault-clients', { non_reader: { requests_written: written, dropped: closed, appd_rss_growth_mib: +((peak - baseRss) / (1024 * 1024)).toFixed(1) } });
    reader.destroy();
    expect(closed, 'appd never dropped the client that does not read').toBe(true);
    expect(peak - baseRss).toBeLessThan(128 * 1024 * 1024);
    expect(JSON.parse(await watcher.ipc(counterId, 'get'))).toHaveProperty('count');
  });
});

describe(`${CLIENTS} clients at once`, () => {
  it('every one gets its answers, and every IPC message it forwarded reaches the app', async () => {
    const start = await count();
    const fdsBefore = fdCount(appd.pid) ?? 0;
    let peakClients = 0;
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const client = await RawClient.connect(appd.socketPath, 30_000);
        try {
          // Half speak WEFT's array encoding, half maps; each pipelines three requests.
          const compact = i % 2 === 0;
          const requests = compact
            ? [['QUERY_STATUS'], ['IPC_FORWARD', counterId, 'increment'], ['QUERY_APP_STATE', counterId]]
            : [{ type: 'QUERY_STATUS' }, { type: 'IPC_FORWARD', session_id: counterId, payload: 'increment' }, { type: 'QUERY_APP_STATE', session_id: counterId }];
          await client.write(Buffer.concat(requests.map((r) => frame(encode(r)))));
          const done = await client.until(() => client.answers.length >= 3, 60_000);
          const types = client.answers.map((a) => a.response?.type);
          const status = client.answers[0]?.response;
          if (status?.type === 'DAEMON_STATUS') peakClients = Math.max(peakClients, status.status.clients);
          return { done, types, state: client.answers[2]?.response };
        } finally {
          client.destroy();
        }
      }),
    );
    const failed = results.filter((r) => !r.done || r.types.join() !== 'DAEMON_STATUS,APP_STATE,APP_STATE');
    expect(failed).toEqual([]);
    // Responses to array-encoded requests are arrays; both parse to the running state.
    expect(results.every((r) => r.state?.type === 'APP_STATE' && r.state.state === 'running')).toBe(true);
    // The app answers each increment with the new count (broadcast to the watcher); the last one must arrive.
    const target = start + CLIENTS;
    await watcher.waitFor(`the counter to reach ${target}`, (e) => e.type === 'IPC_MESSAGE' && e.session_id === counterId && (JSON.parse(e.payload) as { count?: number }).count === target, 30_000);
    expect(await count()).toBe(target);
    record('fault-clients', { concurrent_clients: CLIENTS, peak_clients_seen: peakClients, fds_before: fdsBefore, fds_after: fdCount(appd.pid) });
    // All of them were let go again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fdCount(appd.pid)!).toBeLessThanOrEqual(fdsBefore + 5);
  });
});
