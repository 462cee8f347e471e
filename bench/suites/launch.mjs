// Suite "launch": LAUNCH_APP → APP_READY for hello (C preview1) and counter (component), with and without the standby pool, vs node and jco run.
import { join } from 'node:path';
import { Appd } from '../lib/appd.mjs';
import { commandComponent, transpiledComponent } from '../lib/components.mjs';
import { figure } from '../lib/figure.mjs';
import { ensureJco } from '../lib/jco.mjs';
import { runtimeTrace } from '../lib/runtime-trace.mjs';
import { appsDir, benchDir } from '../lib/paths.mjs';
import { stat } from '../lib/proc.mjs';
import { spawnTimed } from '../lib/spawn-timed.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';

export const NODE_READY = 'process.stdout.write("READY\\n")';

/** Baseline A: spawn → the READY line of a bare node -e. */
export async function baselineA(ctx, n, cpuSamples = []) {
  const samples = [];
  for (let i = 0; i < n + ctx.warmup; i++) {
    const cpu0 = stat(process.pid).reapedChildrenCpuMs;
    const r = await spawnTimed(process.execPath, ['-e', NODE_READY], { until: /^READY$/ });
    await r.exited;
    if (i >= ctx.warmup) {
      samples.push(r.lineAt);
      cpuSamples.push(stat(process.pid).reapedChildrenCpuMs - cpu0);
    }
  }
  return summarize(samples);
}

async function timeFirstLine(ctx, n, cmd, args, until) {
  const samples = [];
  for (let i = 0; i < n + ctx.warmup; i++) {
    const r = await spawnTimed(cmd, args, { until });
    await r.exited;
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-1000)}`);
    if (i >= ctx.warmup) samples.push(r.lineAt);
  }
  return summarize(samples);
}

async function weftLaunches(ctx, appd, appId, n, exitsByItself) {
  const samples = [];
  for (let i = 0; i < n + ctx.warmup; i++) {
    await appd.quiet();
    const l = await appd.launch(appId);
    if (exitsByItself) await appd.waitStopped(l.sid, l.mark);
    else await appd.terminate(l.sid, l.mark);
    if (i >= ctx.warmup) samples.push(l.readyAt);
  }
  return summarize(samples);
}

export async function run(ctx) {
  const n = ctx.quick ? 3 : 20;
  const nSlow = ctx.quick ? 2 : 8;
  await installApps(ctx.ws, ['hello', 'counter']);
  const helloComponent = await commandComponent(join(appsDir, 'hello', 'app.wasm'));
  const helloTranspiled = await transpiledComponent(helloComponent.path);

  ctx.log('baseline A: node -e READY');
  const cpuA = [];
  const A = await baselineA(ctx, n, cpuA);
  ctx.log('baseline B: jco run (hello as a component)');
  const jco = ensureJco(ctx.log);
  const B = await timeFirstLine(ctx, nSlow, process.execPath, [jco, 'run', helloComponent.path], /hello from weft/);
  ctx.log('baseline C: pre-transpiled hello on bare preview2-shim');
  const C = await timeFirstLine(ctx, n, process.execPath, [join(benchDir, 'baselines', 'bare-run.mjs'), helloTranspiled], /hello from weft/);

  const baselines = [
    { id: 'A', label: 'node -e READY', summary: A },
    { id: 'B', label: 'jco run hello component', summary: B },
    { id: 'C', label: 'pre-transpiled hello, bare preview2-shim', summary: C },
  ];
  const figures = [];
  const raw = { A, B, C, A_process_cpu_ms: summarize(cpuA) };
  for (const standby of [true, false]) {
    const appd = await Appd.start(ctx.ws, { standby });
    try {
      for (const app of ['hello', 'counter']) {
        ctx.log(`weft: ${app}, standby ${standby ? 'on' : 'off'}`);
        const s = await weftLaunches(ctx, appd, ctx.ws.appIds[app], n, app === 'hello');
        const key = `${app}.standby_${standby ? 'on' : 'off'}`;
        raw[key] = s;
        figures.push(
          figure({
            id: `launch.${key}`,
            label: `launch → READY, ${app}${app === 'hello' ? ' (C preview1)' : ' (component)'}, standby pool ${standby ? 'on' : 'off'}`,
            unit: 'ms',
            weft: s,
            baselines,
            target: { max: 1.3, of: 'A' },
          }),
        );
      }
    } finally {
      await appd.stop();
    }
  }
  ctx.log('where the time goes: weft-runtime run directly with WEFT_RUNTIME_TRACE=1 (cold)');
  raw.runtime_trace = {};
  for (const app of ['hello', 'counter']) raw.runtime_trace[app] = await runtimeTrace(ctx.ws, ctx.ws.appIds[app], ctx.quick ? 2 : 5);
  return { figures, raw };
}
