// Suite "pack": `weft-pack check` and `weft-pack install` wall time on a 10 MB component (and on hello, for the fixed cost) vs the bare work floor.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bigAppDir } from '../lib/big-app.mjs';
import { figure } from '../lib/figure.mjs';
import { appsDir, benchDir, bin } from '../lib/paths.mjs';
import { spawnTimed } from '../lib/spawn-timed.mjs';
import { summarize } from '../lib/stats.mjs';

async function timeExit(ctx, n, args, { env, before } = {}) {
  const samples = [];
  const warmup = 1;
  for (let i = 0; i < n + warmup; i++) {
    const e = before ? await before(i) : env;
    const r = await spawnTimed(process.execPath, args, { env: e ?? ctx.ws.env, timeoutMs: 180_000 });
    await r.exited;
    if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
    if (i >= warmup) samples.push(r.exitAt);
  }
  return summarize(samples);
}

export async function run(ctx) {
  const n = ctx.quick ? 1 : 3;
  const big = await bigAppDir();
  const hello = join(appsDir, 'hello');
  let count = 0;
  /** A fresh empty store per install, so every install is a first install. */
  const freshStore = async () => {
    const store = join(ctx.ws.base, `pack-store-${++count}`);
    await rm(store, { recursive: true, force: true });
    await mkdir(store, { recursive: true });
    return { ...ctx.ws.env, WEFT_APP_STORE: store };
  };
  const floor = join(benchDir, 'baselines', 'pack-floor.mjs');
  const out = () => join(ctx.ws.base, `floor-out-${++count}`);

  ctx.log('weft-pack check / install, 10 MB component');
  const checkBig = await timeExit(ctx, n, [bin.pack, 'check', big]);
  const installBig = await timeExit(ctx, n, [bin.pack, 'install', big], { before: freshStore });
  ctx.log('weft-pack check / install, hello (fixed cost)');
  const checkHello = await timeExit(ctx, n, [bin.pack, 'check', hello]);
  const installHello = await timeExit(ctx, n, [bin.pack, 'install', hello], { before: freshStore });
  const help = await timeExit(ctx, n, [bin.pack, '--help']);
  ctx.log('floor: node + read + sha256 (+ transpileBytes)');
  const floorRead = await timeExit(ctx, n, [floor, 'read', join(big, 'app.wasm')]);
  const floorTranspile = await timeExit(ctx, n, [floor, 'transpile', join(big, 'app.wasm'), out()]);

  const figures = [
    figure({
      id: 'pack.check.10mb',
      label: '`weft-pack check`, 10 MB component (process wall time)',
      unit: 'ms',
      weft: checkBig,
      baselines: [{ id: 'floor', label: 'node: read + SHA-256 + validate', summary: floorRead }],
    }),
    figure({
      id: 'pack.install.10mb',
      label: '`weft-pack install` (with precompile), 10 MB component',
      unit: 'ms',
      weft: installBig,
      baselines: [{ id: 'floor', label: 'node: read + SHA-256 + transpileBytes + write', summary: floorTranspile }],
    }),
    figure({ id: 'pack.check.hello', label: '`weft-pack check`, hello (40 KB)', unit: 'ms', weft: checkHello }),
    figure({ id: 'pack.install.hello', label: '`weft-pack install`, hello (40 KB)', unit: 'ms', weft: installHello }),
    figure({ id: 'pack.help', label: '`weft-pack --help` (CLI start-up alone)', unit: 'ms', weft: help }),
  ];
  return { figures, raw: { checkBig, installBig, checkHello, installHello, help, floorRead, floorTranspile } };
}
