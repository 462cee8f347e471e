// Suite "scale": K sessions launched at once — time until all are READY, weft-appd RSS and CPU at each K; counter (polls its inbox) and hang (sleeps 100 ms).
import { setTimeout as sleep } from 'node:timers/promises';
import { Appd } from '../lib/appd.mjs';
import { figure } from '../lib/figure.mjs';
import { memStatus, pss, runtimePid, stat } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';
import { allReadyK, NODE_READY, NODE_WORKER_READY } from '../lib/floors.mjs';

const MB = 1024 * 1024;
const r1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

async function launchK(appd, appId, k) {
  await appd.quiet({ maxMs: 10_000 });
  const cpu0 = appd.cpuMs();
  const mark = appd.events.length;
  const t0 = performance.now();
  const acks = await Promise.all(Array.from({ length: k }, () => appd.client.request({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 })));
  const failed = acks.filter((a) => a.type !== 'LAUNCH_ACK');
  if (failed.length) throw new Error(`${failed.length}/${k} launches refused: ${JSON.stringify(failed[0])}`);
  const sids = acks.map((a) => a.session_id);
  const ready = await Promise.all(sids.map((sid) => appd.waitReady(sid, mark, 120_000)));
  const allReady = Math.max(...ready.map((r) => r.t)) - t0;
  const cpuToReady = appd.cpuMs() - cpu0;
  const appdMem = memStatus(appd.pid);
  const pids = [];
  // The runtime itself, not the bwrap process QUERY_SESSION names when the session is confined.
  for (const sid of sids) pids.push(runtimePid((await appd.session(sid)).pid));
  let rss = 0;
  let pssSum = 0;
  for (const pid of pids) {
    rss += (pid && memStatus(pid)?.VmRSS) || 0;
    pssSum += (pid && pss(pid)) || 0;
  }
  // CPU the K idle sessions burn together, over 1 s once all are READY
  const cpuOf = () => pids.reduce((sum, pid) => sum + (stat(pid)?.cpuMs ?? 0), 0);
  await sleep(500); // let start-up work (tier-up, GC) finish
  const c0 = cpuOf();
  const w0 = performance.now();
  await sleep(1000);
  const idleCpuPct = ((cpuOf() - c0) / (performance.now() - w0)) * 100;
  const tStop = performance.now();
  await Promise.all(sids.map((sid) => appd.terminate(sid, mark)));
  return {
    k,
    all_ready_ms: allReady,
    first_ready_ms: Math.min(...ready.map((r) => r.t)) - t0,
    appd_cpu_ms: cpuToReady,
    appd_rss_mb: r1(appdMem.VmRSS / MB),
    appd_hwm_mb: r1(appdMem.VmHWM / MB),
    sessions_rss_mb: r1(rss / MB),
    sessions_pss_mb: r1(pssSum / MB),
    sessions_idle_cpu_pct: r1(idleCpuPct),
    stop_all_ms: performance.now() - tStop,
  };
}

async function series(ctx, appd, app, ks, reps) {
  const rows = [];
  await launchK(appd, ctx.ws.appIds[app], 1); // warm-up
  for (const k of ks) {
    const samples = [];
    for (let i = 0; i < reps; i++) {
      ctx.log(`${app}: K=${k} (${i + 1}/${reps})`);
      samples.push(await launchK(appd, ctx.ws.appIds[app], k));
    }
    const pick = (f) => summarize(samples.map((s) => s[f]));
    const row = { k, samples };
    for (const f of Object.keys(samples[0]).filter((f) => f !== 'k')) row[f] = pick(f);
    rows.push(row);
  }
  return rows;
}

export async function run(ctx) {
  const ks = ctx.quick ? [1, 5] : [1, 10, 25, 50];
  const reps = ctx.quick ? 1 : 2;
  await installApps(ctx.ws, ['counter', 'hang']);
  const appd = await Appd.start(ctx.ws);
  let rows;
  let hang;
  let idleRss;
  try {
    await appd.quiet({ maxMs: 10_000 });
    idleRss = r1(memStatus(appd.pid).VmRSS / MB);
    rows = await series(ctx, appd, 'counter', ks, reps);
    hang = await series(ctx, appd, 'hang', ks, 1);
  } finally {
    await appd.stop();
  }
  // The floors: K bare nodes, and K nodes that each start one worker thread, all started at once.
  const floors = {};
  for (const k of ks) {
    ctx.log(`floors: K=${k} node -e READY, K=${k} node + worker at once`);
    const node = [];
    const worker = [];
    for (let i = 0; i < reps; i++) {
      node.push(await allReadyK(NODE_READY, k));
      worker.push(await allReadyK(NODE_WORKER_READY, k));
    }
    floors[k] = { node: summarize(node), worker: summarize(worker) };
  }
  const figures = [
    ...rows.map((row) =>
      figure({
        id: `scale.counter.k${row.k}`,
        label: `K=${row.k} counters launched together: all READY`,
        unit: 'ms',
        weft: row.all_ready_ms,
        baselines: [
          { id: 'K×A', label: `${row.k} × node -e READY started at once, all READY`, summary: floors[row.k].node },
          { id: 'K×W', label: `${row.k} × node -e + one worker thread started at once, all READY (the floor of one process per session with a worker thread)`, summary: floors[row.k].worker },
        ],
        target: row.k === 50 ? { maxAbs: 3000 } : null,
        note: `appd CPU ${row.appd_cpu_ms.median} ms (${r1(row.appd_cpu_ms.median / row.k)}/session), appd RSS ${row.appd_rss_mb.median} MB (idle ${idleRss}); idle sessions burn ${row.sessions_idle_cpu_pct.median}% CPU`,
      }),
    ),
    ...hang.map((row) =>
      figure({
        id: `scale.hang.k${row.k}`,
        label: `K=${row.k} hang (sleeps 100 ms) launched together: all READY`,
        unit: 'ms',
        weft: row.all_ready_ms,
        note: `appd CPU ${row.appd_cpu_ms.median} ms; idle sessions burn ${row.sessions_idle_cpu_pct.median}% CPU`,
      }),
    ),
  ];
  return { figures, raw: { appd_idle_rss_mb: idleRss, rows, hang_rows: hang, floors } };
}
