// Soak: 1,000 launch/terminate cycles in concurrent batches; appd's fds and RSS stay bounded and every session ends stopped.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { rssBytes } from '../support/processes.js';
import { cmdline, descendants, fdCount, PeakSampler } from './helpers/proc.js';
import { record } from './helpers/results.js';

const MIB = 1024 * 1024;
const CYCLES = Number(process.env.WEFT_SOAK_CYCLES ?? 1000);
const CONCURRENCY = 8;
const WARMUP = 16;
/** Growth allowed over the post-warm-up baseline (generous: V8 grows its heap lazily; a leak of ~100 KiB/session would still show). */
const RSS_GROWTH_BOUND = 96 * MIB;
const FD_GROWTH_BOUND = 16;
const HANG = 'org.weft.test.hang';
const HELLO = 'org.weft.test.hello';

let baseline = { rss: 0, fds: 0 };
let rss: PeakSampler;
let fds: PeakSampler;
const outcomes = { terminated: 0, exitedOnTheirOwn: 0, notStopped: [] as string[] };

const { sandbox, appd, watcher } = appdSuiteForFile('soak', ['hang', 'hello'], {
  env: { WEFT_HISTORY: '64' },
  ready: async () => {
    await cycles(0, WARMUP);
    baseline = { rss: rssBytes(appd.pid) ?? 0, fds: fdCount(appd.pid) ?? 0 };
    outcomes.terminated = 0;
    outcomes.exitedOnTheirOwn = 0;
    rss = new PeakSampler(() => rssBytes(appd.pid)).start(250);
    fds = new PeakSampler(() => fdCount(appd.pid)).start(250);
  },
});
// Registered after the suite's own hooks, so it runs before they stop appd.
afterAll(() => {
  rss?.stop();
  fds?.stop();
});

/** One cycle: hang is launched and terminated; every third cycle hello is launched and ends by itself. */
async function cycle(i: number): Promise<void> {
  if (i % 3 === 2) {
    const id = await watcher.launch(HELLO);
    const stopped = await watcher.stopped(id, 60_000);
    if (stopped.type === 'APP_STATE' && stopped.reason === 'exited' && stopped.exit_code === 0) outcomes.exitedOnTheirOwn += 1;
    else outcomes.notStopped.push(`hello session ${id}: ${JSON.stringify(stopped)}; appd logged: ${appd.logsFor(id).slice(-12).join(' | ')}`);
    return;
  }
  const id = await watcher.launchReady(HANG, 60_000);
  const reply = await watcher.request({ type: 'TERMINATE_APP', session_id: id });
  if (reply.type === 'APP_STATE' && reply.state === 'stopped' && reply.reason === 'terminated') outcomes.terminated += 1;
  else outcomes.notStopped.push(`hang session ${id}: ${JSON.stringify(reply)}; appd logged: ${appd.logsFor(id).slice(-12).join(' | ')}`);
}

/** Runs cycles [from, to) on CONCURRENCY workers; a cycle that throws is recorded and the rest go on. */
async function cycles(from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) {
        const i = next++;
        await cycle(i).catch((error: Error) => {
          const session = Number(/session (\d+)/.exec(error.message)?.[1] ?? -1);
          outcomes.notStopped.push(`cycle ${i}: ${error.message}; appd logged: ${appd.logsFor(session).slice(-12).join(' | ')}`);
        });
      }
    }),
  );
}

describe(`soak: ${CYCLES} launch/terminate cycles, ${CONCURRENCY} at a time`, () => {
  it('every session ends stopped: terminated on request, or exited 0 on its own', async () => {
    const started = performance.now();
    await cycles(0, CYCLES);
    const seconds = (performance.now() - started) / 1000;
    record('soak', { cycles: CYCLES, concurrency: CONCURRENCY, seconds: +seconds.toFixed(1), ...outcomes, notStopped: outcomes.notStopped.slice(0, 10) });
    expect(outcomes.notStopped).toEqual([]);
    expect(outcomes.terminated + outcomes.exitedOnTheirOwn).toBe(CYCLES);
  }, 420_000);

  it('nothing is left running: no live session, no session socket, only the standby runtimes and the two apps\' warm runtimes', async () => {
    expect(await watcher.request({ type: 'QUERY_RUNNING' })).toEqual({ type: 'RUNNING_APPS', sessions: [] });
    const status = await watcher.request({ type: 'QUERY_STATUS' });
    expect(status.type === 'DAEMON_STATUS' && status.status.sessions).toMatchObject({ starting: 0, running: 0, stopping: 0 });
    expect(readdirSync(join(sandbox.runtimeDir, 'weft')).filter((name) => name.startsWith('ipc-'))).toEqual([]);
    const children = descendants(appd.pid).map(cmdline);
    const warm = children.filter((c) => / --warm \S+/.test(c));
    expect(children.filter((c) => !c.includes(' --standby') && !warm.includes(c))).toEqual([]);
    // Warm runtimes (WEFT_WARM_APPS) only for the two apps this suite launched.
    for (const c of warm) expect([HANG, HELLO]).toContain(/ --warm (\S+)/.exec(c)?.[1]);
    // Two standby runtimes and two warm runtimes at most (inside bubblewrap each is a bwrap process and its runtime).
    const runtimes = children.filter((c) => !c.startsWith('/usr/bin/bwrap '));
    expect(runtimes.filter((c) => c.includes(' --standby')).length).toBeLessThanOrEqual(2);
    expect(runtimes.filter((c) => c.includes(' --warm ')).length).toBeLessThanOrEqual(2);
  });

  it(`appd's open fds stay within ${FD_GROWTH_BOUND} and its RSS within ${RSS_GROWTH_BOUND / MIB} MiB of the baseline`, () => {
    const peakRss = rss.stop();
    const peakFds = fds.stop();
    const after = { rss: rssBytes(appd.pid) ?? 0, fds: fdCount(appd.pid) ?? 0 };
    record('soak', {
      baseline_rss_mib: +(baseline.rss / MIB).toFixed(1),
      peak_rss_mib: +(peakRss / MIB).toFixed(1),
      final_rss_mib: +(after.rss / MIB).toFixed(1),
      baseline_fds: baseline.fds,
      peak_fds: peakFds,
      final_fds: after.fds,
    });
    expect(rss.samples).toBeGreaterThan(10);
    expect(peakRss - baseline.rss).toBeLessThan(RSS_GROWTH_BOUND);
    // While sessions run, each holds a few fds (3 pipes + its IPC socket); at rest appd is back to its baseline.
    expect(peakFds).toBeLessThanOrEqual(baseline.fds + CONCURRENCY * 8 + FD_GROWTH_BOUND);
    expect(after.fds).toBeLessThanOrEqual(baseline.fds + FD_GROWTH_BOUND);
  });
});
