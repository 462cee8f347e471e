// Suite "launch": LAUNCH_APP → APP_READY for hello (C preview1) and counter (component) from the app's warm runtime, from the standby pool and cold, vs node and jco run.
import { join } from 'node:path';
import { Appd } from '../lib/appd.mjs';
import { commandComponent, transpiledComponent } from '../lib/components.mjs';
import { figure } from '../lib/figure.mjs';
import { ensureJco } from '../lib/jco.mjs';
import { runtimeTrace } from '../lib/runtime-trace.mjs';
import { appsDir, benchDir } from '../lib/paths.mjs';
import { spawnTimed } from '../lib/spawn-timed.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';
import { NODE_READY, NODE_WORKER_READY, timeNodeReady } from '../lib/floors.mjs';


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

/** The three ways a launch starts, each with its target as a multiple of A (docs/architecture/benchmarks.md). */
export const LAUNCH_PATHS = [
  { key: 'warm_app', what: "the app's own warm runtime (recently used app; default settings)", env: {}, standby: true, target: 0.15 },
  { key: 'standby', what: 'the standby pool (any other app: WEFT_WARM_APPS=0)', env: { WEFT_WARM_APPS: '0' }, standby: true, target: 0.4 },
  { key: 'cold', what: 'cold (WEFT_STANDBY=0: no warm process of any kind)', env: {}, standby: false, target: 1.3 },
];

async function warmApps(appd) {
  const reply = await appd.client.request({ type: 'QUERY_STATUS' });
  return reply.type === 'DAEMON_STATUS' ? (reply.status.warm?.apps ?? []) : [];
}

/** n launches of appId through appd, each followed (once appd is quiet again) by one baseline-A run, so A drifts with the machine as the launches do: { weft, A } summaries. */
async function weftLaunches(ctx, appd, appId, n, exitsByItself, path) {
  const samples = [];
  const aSamples = [];
  for (let i = 0; i < n + ctx.warmup; i++) {
    await appd.quiet();
    // The warm path is measured only when the app's warm runtime is there to take it (the first launch makes it).
    if (path.key === 'warm_app' && i >= ctx.warmup && !(await warmApps(appd)).includes(appId)) throw new Error(`no warm runtime for ${appId} before launch ${i}: the warm row would measure another path`);
    const l = await appd.launch(appId);
    if (exitsByItself) await appd.waitStopped(l.sid, l.mark);
    else await appd.terminate(l.sid, l.mark);
    if (i >= ctx.warmup) samples.push(l.readyAt);
    // On a quiet machine, as the launch was: not beside the standby or warm runtime appd starts after it.
    await appd.quiet();
    const a = await spawnTimed(process.execPath, ['-e', NODE_READY], { until: /^READY$/ });
    await a.exited;
    if (i >= ctx.warmup) aSamples.push(a.lineAt);
  }
  return { weft: summarize(samples), A: summarize(aSamples) };
}

export async function run(ctx) {
  const n = ctx.quick ? 3 : 20;
  const nSlow = ctx.quick ? 2 : 8;
  await installApps(ctx.ws, ['hello', 'counter']);
  const helloComponent = await commandComponent(join(appsDir, 'hello', 'app.wasm'));
  const helloTranspiled = await transpiledComponent(helloComponent.path);

  ctx.log('baseline A: node -e READY');
  const { ready: A, cpu: cpuA } = await timeNodeReady(NODE_READY, n, ctx.warmup);
  ctx.log('baseline B: jco run (hello as a component)');
  const jco = ensureJco(ctx.log);
  const B = await timeFirstLine(ctx, nSlow, process.execPath, [jco, 'run', helloComponent.path], /hello from weft/);
  ctx.log('baseline C: pre-transpiled hello on bare preview2-shim');
  const C = await timeFirstLine(ctx, n, process.execPath, [join(benchDir, 'baselines', 'bare-run.mjs'), helloTranspiled], /hello from weft/);

  ctx.log('baseline W: node -e that starts one worker thread and prints READY once it runs');
  const W = await timeNodeReady(NODE_WORKER_READY, n, ctx.warmup);

  const baselines = [
    { id: 'A', label: 'node -e READY', summary: A },
    { id: 'W', label: 'node -e + one worker thread, READY once it runs (the floor of any runtime that runs wasm on a worker thread)', summary: W.ready },
    { id: 'B', label: 'jco run hello component', summary: B },
    { id: 'C', label: 'pre-transpiled hello, bare preview2-shim', summary: C },
  ];
  const figures = [];
  const raw = { A, B, C, W: W.ready, A_process_cpu_ms: cpuA, W_process_cpu_ms: W.cpu };
  for (const path of LAUNCH_PATHS) {
    const appd = await Appd.start(ctx.ws, { standby: path.standby, extraEnv: path.env });
    try {
      for (const app of ['hello', 'counter']) {
        ctx.log(`weft: ${app}, from ${path.key}`);
        const { weft: s, A: alternated } = await weftLaunches(ctx, appd, ctx.ws.appIds[app], n, app === 'hello', path);
        const key = `${app}.${path.key}`;
        raw[key] = s;
        raw[`A_alternated.${key}`] = alternated;
        figures.push(
          figure({
            id: `launch.${key}`,
            label: `launch → READY, ${app}${app === 'hello' ? ' (C preview1)' : ' (component)'}, from ${path.what}`,
            unit: 'ms',
            weft: s,
            // The target's A is the one measured alternately with these launches; the run's own A block stays in raw.A.
            baselines: [{ id: 'A', label: 'node -e READY, one after each of these launches', summary: alternated }, ...baselines.slice(1)],
            target: { max: path.target, of: 'A' },
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
