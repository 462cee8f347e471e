// Runs weft-runtime directly (cold, no weft-appd) with WEFT_RUNTIME_TRACE=1 and collects its start-up marks until READY.
import { bin } from './paths.mjs';
import { spawnTimed } from './spawn-timed.mjs';
import { median } from './stats.mjs';

/** { marks: { 'main: label': median ms since process start }, ready_ms: median spawn → READY line } over n cold starts. */
export async function runtimeTrace(ws, appId, n) {
  const marks = new Map();
  const ready = [];
  for (let i = 0; i < n; i++) {
    const r = await spawnTimed(process.execPath, [bin.runtime, appId, `trace${i}`], {
      env: { ...ws.env, XDG_RUNTIME_DIR: ws.base, WEFT_RUNTIME_TRACE: '1' },
      until: /^READY$/,
      keep: true,
      stdin: 'pipe', // stdin is weft-runtime's parent-death pipe: keep it open
    });
    ready.push(r.lineAt);
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
  return { ready_ms: Math.round(median(ready) * 10) / 10, marks: out };
}
