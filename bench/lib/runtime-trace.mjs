// Runs weft-runtime directly (cold, no weft-appd) with WEFT_RUNTIME_TRACE=1 and collects its start-up marks until READY.
import { bin } from './paths.mjs';
import { spawnTimed } from './spawn-timed.mjs';
import { stat } from './proc.mjs';
import { median } from './stats.mjs';

/** Over n cold starts: ready_ms (spawn → READY line), cpu_ms_at_ready (the process's CPU time by then, all threads), marks ('main: label' → ms since process start). */
export async function runtimeTrace(ws, appId, n) {
  const marks = new Map();
  const ready = [];
  const cpu = [];
  for (let i = 0; i < n; i++) {
    const r = await spawnTimed(process.execPath, [bin.runtime, appId, `trace${i}`], {
      env: { ...ws.env, XDG_RUNTIME_DIR: ws.base, WEFT_RUNTIME_TRACE: '1' },
      until: /^READY$/,
      keep: true,
      stdin: 'pipe', // stdin is weft-runtime's parent-death pipe: keep it open
    });
    ready.push(r.lineAt);
    cpu.push(stat(r.child.pid)?.cpuMs ?? NaN);
    r.child.kill('SIGKILL');
    await r.exited;
    for (const m of r.stderr.matchAll(/trace ([\d.]+) ms (\w+): (.+)/g)) {
      const key = `${m[2]}: ${m[3]}`;
      if (!marks.has(key)) marks.set(key, []);
      marks.get(key).push(Number(m[1]));
    }
  }
  const out = {};
  for (const [k, v] of [...marks].sort((a, b) => median(a[1]) - median(b[1]))) out[k] = Math.round(median(v) * 10) / 10;
  return { ready_ms: Math.round(median(ready) * 10) / 10, cpu_ms_at_ready: median(cpu.filter(Number.isFinite)), marks: out };
}
