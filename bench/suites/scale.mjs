// Suite "scale": K counter sessions launched at once — time until all are READY, weft-appd RSS and CPU at each K.
import { Appd } from '../lib/appd.mjs';
import { figure } from '../lib/figure.mjs';
import { memStatus } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';

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
  let sessionsRss = 0;
  for (const sid of sids) {
    const info = await appd.session(sid);
    sessionsRss += (info.pid && memStatus(info.pid)?.VmRSS) || 0;
  }
  const tStop = performance.now();
  await Promise.all(sids.map((sid) => appd.terminate(sid, mark)));
  const stopAll = performance.now() - tStop;
  return {
    k,
    all_ready_ms: allReady,
    first_ready_ms: Math.min(...ready.map((r) => r.t)) - t0,
    appd_cpu_ms: cpuToReady,
    appd_rss_mb: r1(appdMem.VmRSS / MB),
    appd_hwm_mb: r1(appdMem.VmHWM / MB),
    sessions_rss_mb: r1(sessionsRss / MB),
    stop_all_ms: stopAll,
  };
}

export async function run(ctx) {
  const ks = ctx.quick ? [1, 5] : [1, 10, 25, 50];
  const reps = ctx.quick ? 1 : 3;
  await installApps(ctx.ws, ['counter']);
  const appd = await Appd.start(ctx.ws);
  const rows = [];
  let idleRss;
  try {
    await appd.quiet({ maxMs: 10_000 });
    idleRss = r1(memStatus(appd.pid).VmRSS / MB);
    await launchK(appd, ctx.ws.appIds.counter, 1); // warm-up
    for (const k of ks) {
      const samples = [];
      for (let i = 0; i < reps; i++) {
        ctx.log(`K=${k} (${i + 1}/${reps})`);
        samples.push(await launchK(appd, ctx.ws.appIds.counter, k));
      }
      const pick = (f) => summarize(samples.map((s) => s[f]));
      rows.push({
        k,
        all_ready_ms: pick('all_ready_ms'),
        first_ready_ms: pick('first_ready_ms'),
        appd_cpu_ms: pick('appd_cpu_ms'),
        appd_rss_mb: pick('appd_rss_mb'),
        appd_hwm_mb: pick('appd_hwm_mb'),
        sessions_rss_mb: pick('sessions_rss_mb'),
        stop_all_ms: pick('stop_all_ms'),
        samples,
      });
    }
  } finally {
    await appd.stop();
  }
  const figures = rows.map((row) =>
    figure({
      id: `scale.k${row.k}`,
      label: `K=${row.k} counters launched together: all READY`,
      unit: 'ms',
      weft: row.all_ready_ms,
      baselines: [],
      note: `appd CPU ${row.appd_cpu_ms.median} ms (${r1(row.appd_cpu_ms.median / row.k)}/session), appd RSS ${row.appd_rss_mb.median} MB (idle ${idleRss}), sessions ${row.sessions_rss_mb.median} MB total`,
    }),
  );
  return { figures, raw: { appd_idle_rss_mb: idleRss, rows } };
}
