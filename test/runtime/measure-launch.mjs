// Measures weft-runtime launch→READY (cold and standby) and RSS against a bare `node` printing READY; see docs/architecture/runtime.md.
// usage: node test/runtime/measure-launch.mjs [runs] [app-dir...]   (defaults: 20 runs, apps/hello apps/echo)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const runtime = join(root, 'dist/bin/weft-runtime.js');
const runs = Number(process.argv[2] ?? 20);
const appDirs = process.argv.length > 3 ? process.argv.slice(3) : ['apps/hello', 'apps/echo'];

const home = mkdtempSync(join(tmpdir(), 'weft-measure-'));
const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache'), WEFT_APP_STORE: join(home, 'store') };
const ids = appDirs.map((dir) => {
  execFileSync(process.execPath, [join(root, 'dist/bin/weft-pack.js'), 'install', resolve(root, dir)], { env, stdio: 'ignore' });
  return /^id\s*=\s*"([^"]+)"/m.exec(readFileSync(resolve(root, dir, 'wapp.toml'), 'utf8'))[1];
});

function rssKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)[1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) };
  } catch {
    return null;
  }
}

/** Spawns argv, resolves when stdout has a READY line: ms from `startAt()` to READY, plus RSS shortly after. */
function launch(argv, { standbyLine } = {}) {
  return new Promise((resolvePromise, reject) => {
    let t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    let readyMs = null;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (standbyLine && out.includes('STANDBY\n') && !out.includes('READY')) {
        out = out.replace('STANDBY\n', '');
        // let the standby process settle, as it would while waiting for weft-appd
        setTimeout(() => {
          t0 = performance.now();
          child.stdin.write(`${JSON.stringify({ argv: standbyLine })}\n`);
        }, 150);
        return;
      }
      if (readyMs === null && out.includes('READY\n')) {
        readyMs = performance.now() - t0;
        setTimeout(() => {
          const memory = rssKb(child.pid);
          child.kill('SIGTERM');
          child.stdin.end();
          resolvePromise({ readyMs, ...memory });
        }, 400);
      }
    });
    child.on('exit', () => {
      if (readyMs === null) reject(new Error(`${argv.join(' ')}: no READY (stdout: ${out})`));
    });
  });
}

const median = (values) => {
  const known = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  return known.length > 0 ? known[Math.floor(known.length / 2)] : NaN;
};
const bare = [process.execPath, '-e', 'process.stdout.write("READY\\n"); setInterval(() => {}, 1000)'];
const cases = [['bare node', () => launch(bare)]];
for (const id of ids) {
  cases.push([`${id} cold`, () => launch([process.execPath, runtime, id, '1'])]);
  cases.push([`${id} standby`, () => launch([process.execPath, runtime, '--standby'], { standbyLine: [id, '1'] })]);
}
const results = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, run] of cases) results.get(name).push(await run()); // interleaved: load spikes hit every case alike
  process.stderr.write(`run ${i + 1}/${runs}\n`);
}
const base = results.get('bare node');
const baseMs = median(base.map((r) => r.readyMs));
const baseRss = median(base.map((r) => r.rss));
console.log(`${runs} runs each, interleaved; medians (RSS = VmRSS 400 ms after READY; HWM = peak)`);
for (const [name, list] of results) {
  const ms = median(list.map((r) => r.readyMs));
  const rss = median(list.map((r) => r.rss));
  const hwm = median(list.map((r) => r.hwm));
  console.log(
    `${name.padEnd(34)} launch→READY ${ms.toFixed(1).padStart(6)} ms (${(ms / baseMs).toFixed(2)}×)   RSS ${(rss / 1024).toFixed(1)} MiB (${(rss / baseRss).toFixed(2)}×)   HWM ${(hwm / 1024).toFixed(1)} MiB`,
  );
}
rmSync(home, { recursive: true, force: true });
