// `npm run bench`: runs the suites against real weft processes in a throwaway workspace, writes JSON + markdown + SVG to bench/results/, verifies teardown.
// usage: node bench/run.mjs [--quick] [--only launch,memory,ipc,compute,scale,pack] [--out DIR]
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir, bin, distDir, repoDir } from './lib/paths.mjs';
import { interferenceWindow, waitIdle } from './lib/interference.mjs';
import { killLeftovers, waitAllGone } from './lib/tracker.mjs';
import { createWorkspace, destroyWorkspace } from './lib/workspace.mjs';
import { renderMarkdown } from './report/markdown.mjs';
import { scaleSvg } from './report/svg.mjs';

const SUITES = ['launch', 'memory', 'ipc', 'compute', 'scale', 'pack'];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    out: { type: 'string' },
    'wait-idle': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: node bench/run.mjs [--quick] [--only ${SUITES.join(',')}] [--out DIR] [--wait-idle SECONDS]
  --wait-idle S   before each suite, wait up to S seconds for other processes to use < 10% of the CPUs`);
  process.exit(0);
}
const only = (values.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
for (const name of only) if (!SUITES.includes(name)) throw new Error(`unknown suite "${name}" (have: ${SUITES.join(', ')})`);
const selected = only.length ? SUITES.filter((s) => only.includes(s)) : SUITES;
const outDir = values.out ?? join(benchDir, 'results');
const runName = values.quick ? 'quick' : 'latest';

let finished = false;
process.on('exit', (code) => {
  if (!finished) process.stderr.write(`[bench] exited early (code ${code}) with work still pending: an awaited promise can never settle\n`);
});
const log = (line) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
const started = performance.now();

function gitCommit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'apps'], { cwd: repoDir, encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** Newest mtime under dist/: if it moves during the run, someone rebuilt weft under the bench's feet. */
function distMtime(dir = distDir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? distMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

async function main() {
  const distAtStart = distMtime();
  const ws = await createWorkspace();
  const ctx = { ws, quick: values.quick, warmup: values.quick ? 1 : 3, log };
  const results = {
    meta: {
      date: new Date().toISOString(),
      quick: values.quick,
      suites: selected,
      node: process.version,
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
      mem_gb: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      commit: gitCommit(),
      appd: bin.appd,
      loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    suites: {},
    teardown: null,
  };
  let failed = false;
  const stopSignals = () => {
    finished = true;
    log('interrupted: killing what the bench started');
    killLeftovers();
    rmSync(ws.base, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stopSignals);
  process.once('SIGTERM', stopSignals);
  try {
    for (const name of selected) {
      log(`suite ${name}`);
      if (Number(values['wait-idle']) > 0) await waitIdle(Number(values['wait-idle']) * 1000, 10, log);
      const t = performance.now();
      const window = interferenceWindow();
      try {
        const suite = await import(`./suites/${name}.mjs`);
        results.suites[name] = await suite.run(ctx);
      } catch (error) {
        failed = true;
        results.suites[name] = { error: error?.stack ?? String(error) };
        log(`suite ${name} FAILED: ${error?.message ?? error}`);
      }
      results.suites[name].seconds = Math.round((performance.now() - t) / 100) / 10;
      results.suites[name].interference = window.end();
      if (results.suites[name].interference.foreign_cpu_pct >= 10) {
        log(`suite ${name}: other processes used ${results.suites[name].interference.foreign_cpu_pct}% of the CPUs meanwhile — its figures are skewed`);
      }
      // a suite must leave nothing running before the next one starts
      const left = await waitAllGone(10_000);
      if (left.length) {
        failed = true;
        log(`after ${name}: processes left: ${JSON.stringify(left)}; killing them`);
        killLeftovers();
      }
    }
  } finally {
    const left = await waitAllGone(10_000);
    if (left.length) killLeftovers();
    results.teardown = { leftovers: left, workspace_removed: true };
    await destroyWorkspace(ws);
  }
  if (results.teardown.leftovers.length) failed = true;
  results.meta.duration_s = Math.round((performance.now() - started) / 1000);
  results.meta.loadavg_end = loadavg().map((x) => Math.round(x * 100) / 100);
  results.meta.dist_rebuilt_during_run = distMtime() !== distAtStart;
  if (results.meta.dist_rebuilt_during_run) log('warning: dist/ changed during the run (a rebuild): sessions may have failed or mixed two builds');

  await mkdir(outDir, { recursive: true });
  const write = async (file, text) => {
    const tmp = join(outDir, `${file}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, join(outDir, file));
  };
  await write(`${runName}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await write(`${runName}.md`, renderMarkdown(results));
  const svg = scaleSvg(results.suites.scale?.raw, `${results.meta.date.slice(0, 10)} · ${results.meta.cpus} cores · Node ${results.meta.node}`);
  if (svg) await write(values.quick ? 'scale-quick.svg' : 'scale.svg', svg);
  process.stdout.write(renderMarkdown(results));
  log(`wrote ${join(outDir, `${runName}.json`)} (${results.meta.duration_s} s)`);
  if (failed) process.exitCode = 1;
  finished = true;
}

main().catch((error) => {
  finished = true;
  console.error(error);
  killLeftovers();
  process.exitCode = 1;
});
