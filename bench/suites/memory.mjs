// Suite "memory": VmRSS of one idle session's weft-runtime process vs a bare node's peak RSS, with attribution probes.
import { setTimeout as sleep } from 'node:timers/promises';
import { Appd } from '../lib/appd.mjs';
import { figure } from '../lib/figure.mjs';
import { repoDir } from '../lib/paths.mjs';
import { cmdline, memStatus, pss, rssBreakdown, runtimePid, stat, uss } from '../lib/proc.mjs';
import { spawnTimed } from '../lib/spawn-timed.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';
import { NODE_READY } from '../lib/floors.mjs';

const MB = 1024 * 1024;
const mb = (bytes) => (bytes === null || bytes === undefined ? null : Math.round((bytes / MB) * 10) / 10);

/** Peak RSS (MB) of `node -e READY` via GNU time's %M. */
async function peakOfNodeReady(ctx, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const r = await spawnTimed('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, '-e', NODE_READY], { until: /^READY$/ });
    await r.exited;
    const m = /maxrss_kb=(\d+)/.exec(r.stderr);
    if (m) samples.push(Number(m[1]) / 1024);
  }
  return summarize(samples);
}

/** Idle VmRSS, PSS and USS (MB) of a node that ran `code`, printed READY and stays alive. */
async function idleMemory(ctx, code, settleMs, n) {
  const rss = [];
  const pssMb = [];
  const ussMb = [];
  for (let i = 0; i < n; i++) {
    const r = await spawnTimed(process.execPath, ['--input-type=module', '-e', `${code}; process.stdout.write("READY\\n"); setInterval(() => {}, 1 << 30);`], {
      until: /^READY$/,
      keep: true,
      cwd: repoDir,
    });
    await sleep(settleMs);
    rss.push(mb(memStatus(r.child.pid)?.VmRSS));
    pssMb.push(mb(pss(r.child.pid)));
    ussMb.push(mb(uss(r.child.pid)));
    r.child.kill('SIGKILL');
    await r.exited;
  }
  return { rss: summarize(rss), pss: summarize(pssMb), uss: summarize(ussMb) };
}

export async function run(ctx) {
  const n = ctx.quick ? 1 : 5;
  const nProbe = ctx.quick ? 1 : 3;
  const settleMs = ctx.quick ? 500 : 1000;
  const idleWindowMs = ctx.quick ? 500 : 1000;
  await installApps(ctx.ws, ['counter']);
  ctx.log('baseline A: peak RSS of node -e READY (GNU time)');
  const peakA = await peakOfNodeReady(ctx, ctx.quick ? 3 : 10);
  ctx.log('probes: idle node, node + preview2-shim, node + an idle worker thread');
  const probes = {
    node_idle: await idleMemory(ctx, 'void 0', settleMs, nProbe),
    node_preview2_shim: await idleMemory(ctx, 'await import("@bytecodealliance/preview2-shim")', settleMs, nProbe),
    node_worker: await idleMemory(
      ctx,
      'const { Worker } = await import("node:worker_threads"); const w = new Worker("setInterval(() => {}, 1 << 30)", { eval: true }); await new Promise((r) => w.once("online", r))',
      settleMs,
      nProbe,
    ),
  };

  const figures = [];
  const raw = { peakA, probes, sessions: {} };
  for (const standby of [true, false]) {
    const appd = await Appd.start(ctx.ws, { standby });
    const key = `standby_${standby ? 'on' : 'off'}`;
    const samples = [];
    try {
      for (let i = 0; i < n; i++) {
        await appd.quiet();
        const l = await appd.launch(ctx.ws.appIds.counter);
        await sleep(settleMs);
        const info = await appd.session(l.sid);
        const pid = runtimePid(info.pid);
        const status = memStatus(pid);
        const cpu0 = stat(pid)?.cpuMs ?? 0;
        const t0 = performance.now();
        await sleep(idleWindowMs);
        const idleCpuPct = Math.round((((stat(pid)?.cpuMs ?? 0) - cpu0) / (performance.now() - t0)) * 1000) / 10;
        samples.push({
          pid_is_runtime: (cmdline(pid) ?? []).some((a) => a.includes('weft-runtime')),
          vmrss_mb: mb(status?.VmRSS),
          vmhwm_mb: mb(status?.VmHWM),
          rss_anon_mb: mb(status?.RssAnon),
          rss_file_mb: mb(status?.RssFile),
          pss_mb: mb(pss(pid)),
          uss_mb: mb(uss(pid)),
          threads: status?.Threads ?? null,
          idle_cpu_pct: idleCpuPct,
          appd_reported_rss_mb: mb(info.rss_bytes),
          breakdown_mb: Object.fromEntries(Object.entries(rssBreakdown(pid) ?? {}).map(([k, v]) => [k, mb(v)])),
        });
        await appd.terminate(l.sid, l.mark);
      }
    } finally {
      await appd.stop();
    }
    raw.sessions[key] = samples;
    const weft = summarize(samples.map((s) => s.vmrss_mb));
    raw[`${key}_summary`] = {
      vmrss_mb: weft,
      vmhwm_mb: summarize(samples.map((s) => s.vmhwm_mb)),
      rss_anon_mb: summarize(samples.map((s) => s.rss_anon_mb)),
      rss_file_mb: summarize(samples.map((s) => s.rss_file_mb)),
      pss_mb: summarize(samples.map((s) => s.pss_mb)),
      uss_mb: summarize(samples.map((s) => s.uss_mb)),
      idle_cpu_pct: summarize(samples.map((s) => s.idle_cpu_pct)),
    };
    figures.push(
      figure({
        id: `memory.counter.${key}`,
        label: `idle session VmRSS (weft-runtime, counter), ${standby ? 'default (standby pool and warm runtimes on)' : 'cold (WEFT_STANDBY=0)'}`,
        unit: 'MB',
        weft,
        baselines: [
          { id: 'A', label: 'node -e READY, peak RSS', summary: peakA },
          { id: 'node idle', label: 'idle node VmRSS', summary: probes.node_idle.rss },
          { id: 'node+worker', label: 'idle node + one idle worker thread VmRSS (the floor of a runtime that runs wasm on a worker thread)', summary: probes.node_worker.rss },
          { id: 'node+shim', label: 'idle node + preview2-shim loaded', summary: probes.node_preview2_shim.rss },
        ],
        target: { max: 1.3, of: 'A' },
        note: `idle session CPU ${raw[`${key}_summary`].idle_cpu_pct.median}% of one core`,
      }),
      figure({
        id: `memory.counter.${key}.pss`,
        label: `idle session PSS (weft-runtime, counter), ${standby ? 'default' : 'cold (WEFT_STANDBY=0)'}: its share of pages it shares with other processes`,
        unit: 'MB',
        weft: raw[`${key}_summary`].pss_mb,
        baselines: [
          { id: 'node+worker', label: 'idle node + one idle worker thread, PSS', summary: probes.node_worker.pss },
          { id: 'node idle', label: 'idle node, PSS', summary: probes.node_idle.pss },
        ],
        target: { maxAbs: 20 },
        note: `USS ${raw[`${key}_summary`].uss_mb.median} MB; idle node + worker: USS ${probes.node_worker.uss.median} MB`,
      }),
    );
  }
  return { figures, raw };
}
