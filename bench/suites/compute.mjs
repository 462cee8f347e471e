// Suite "compute": cpu-bench under weft-runtime vs the same module on bare preview2-shim, each minus its own empty-module (hello) time, in wall and CPU time.
import { join } from 'node:path';
import { Appd } from '../lib/appd.mjs';
import { commandComponent, transpiledComponent } from '../lib/components.mjs';
import { figure } from '../lib/figure.mjs';
import { appsDir, benchDir } from '../lib/paths.mjs';
import { stat } from '../lib/proc.mjs';
import { spawnTimed } from '../lib/spawn-timed.mjs';
import { median, summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';

const reapedCpu = (pid) => stat(pid)?.reapedChildrenCpuMs ?? 0;

/**
 * weft: READY → stopped (the entry point's run plus exit), LAUNCH → stopped, and the CPU time of
 * the runtime process (it lands in weft-appd's cutime+cstime when appd reaps it).
 */
async function weftOnce(appd, appId) {
  await appd.quiet();
  const cpu0 = reapedCpu(appd.pid);
  const l = await appd.launch(appId);
  const stopped = await appd.waitStopped(l.sid, l.mark, 120_000);
  const cpu = reapedCpu(appd.pid) - cpu0;
  if (stopped.e.exit_code !== undefined && stopped.e.exit_code !== 0 && stopped.e.exit_code !== null) {
    throw new Error(`${appId} exited ${stopped.e.exit_code}: ${JSON.stringify(stopped.e)}`);
  }
  const total = stopped.t - l.t0;
  return { run: total - l.readyAt, total, cpu };
}

/** bare: READY line → exit of bare-run.mjs, and spawn → exit; run_ms is its in-process measure. */
async function bareOnce(dir, expect) {
  const cpu0 = reapedCpu(process.pid);
  const r = await spawnTimed(process.execPath, [join(benchDir, 'baselines', 'bare-run.mjs'), dir], { until: /^READY$/, timeoutMs: 120_000 });
  await r.exited;
  const cpu = reapedCpu(process.pid) - cpu0;
  if (r.code !== 0 || !expect.test(r.stdout)) throw new Error(`bare-run ${dir} exited ${r.code}: ${r.stdout.slice(-200)} ${r.stderr.slice(-500)}`);
  const inproc = JSON.parse(r.stderr.trim().split('\n').pop());
  return { run: r.exitAt - r.lineAt, total: r.exitAt, inproc: inproc.run_ms, cpu, checksum: /checksum=(\d+)/.exec(r.stdout)?.[1] ?? null };
}

export async function run(ctx) {
  const n = ctx.quick ? 1 : 7;
  const warmup = 1;
  await installApps(ctx.ws, ['hello', 'cpu-bench']);
  const dirs = {};
  for (const app of ['hello', 'cpu-bench']) dirs[app] = await transpiledComponent((await commandComponent(join(appsDir, app, 'app.wasm'))).path);
  const expect = { hello: /hello from weft/, 'cpu-bench': /checksum=\d+/ };

  // Pool off: a launch from the pool starts a replacement standby at once, whose boot (~190 ms of
  // CPU on two threads) shares the cores with the first part of the run. That is appd's launch
  // machinery, not the runtime's compute overhead this figure is about (on 2 cores it adds 1–5 %).
  const appd = await Appd.start(ctx.ws, { standby: false });
  const s = { weft: { hello: [], 'cpu-bench': [] }, bare: { hello: [], 'cpu-bench': [] } };
  try {
    // interleaved, so drift (thermal, page cache, other load) hits both sides alike
    for (let i = 0; i < n + warmup; i++) {
      for (const app of ['cpu-bench', 'hello']) {
        ctx.log(`round ${i + 1}/${n + warmup}: ${app}`);
        const w = await weftOnce(appd, ctx.ws.appIds[app]);
        const b = await bareOnce(dirs[app], expect[app]);
        if (i >= warmup) {
          s.weft[app].push(w);
          s.bare[app].push(b);
        }
      }
    }
  } finally {
    await appd.stop();
  }

  const runs = (side, app) => s[side][app].map((x) => x.run);
  const emptyWeft = median(runs('weft', 'hello'));
  const emptyBare = median(runs('bare', 'hello'));
  const weft = summarize(runs('weft', 'cpu-bench').map((x) => x - emptyWeft));
  const bare = summarize(runs('bare', 'cpu-bench').map((x) => x - emptyBare));
  const cpus = (side, app) => s[side][app].map((x) => x.cpu);
  const weftCpu = summarize(cpus('weft', 'cpu-bench').map((x) => x - median(cpus('weft', 'hello'))));
  const bareCpu = summarize(cpus('bare', 'cpu-bench').map((x) => x - median(cpus('bare', 'hello'))));
  const figures = [
    figure({
      id: 'compute.cpu_bench',
      label: 'cpu-bench compute (READY → exit, minus the empty module’s READY → exit; standby pool off)',
      unit: 'ms',
      weft,
      baselines: [{ id: 'bare', label: 'same module, bare preview2-shim (no weft code)', summary: bare }],
      target: { max: 1.03, of: 'bare' },
    }),
    figure({
      id: 'compute.cpu_bench.cpu_time',
      label: 'cpu-bench compute as CPU time of the process that ran it (minus the empty module’s), less sensitive to other load',
      unit: 'ms',
      weft: weftCpu,
      baselines: [{ id: 'bare', label: 'same module, bare preview2-shim (no weft code)', summary: bareCpu }],
      target: { max: 1.03, of: 'bare' },
    }),
  ];
  const raw = {
    weft_ready_to_exit_ms: { hello: summarize(runs('weft', 'hello')), cpu_bench: summarize(runs('weft', 'cpu-bench')) },
    bare_ready_to_exit_ms: { hello: summarize(runs('bare', 'hello')), cpu_bench: summarize(runs('bare', 'cpu-bench')) },
    weft_launch_to_exit_ms: { hello: summarize(s.weft.hello.map((x) => x.total)), cpu_bench: summarize(s.weft['cpu-bench'].map((x) => x.total)) },
    bare_spawn_to_exit_ms: { hello: summarize(s.bare.hello.map((x) => x.total)), cpu_bench: summarize(s.bare['cpu-bench'].map((x) => x.total)) },
    weft_process_cpu_ms: { hello: summarize(cpus('weft', 'hello')), cpu_bench: summarize(cpus('weft', 'cpu-bench')) },
    bare_process_cpu_ms: { hello: summarize(cpus('bare', 'hello')), cpu_bench: summarize(cpus('bare', 'cpu-bench')) },
    bare_inprocess_run_ms: { cpu_bench: summarize(s.bare['cpu-bench'].map((x) => x.inproc)) },
    checksum: s.bare['cpu-bench'][0]?.checksum ?? null,
  };
  return { figures, raw };
}
