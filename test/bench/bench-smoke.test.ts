// Smoke test for the benchmark harness: a quick launch-only run must write a results JSON with numeric medians (no timing thresholds).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

interface Summary {
  n: number;
  median: number | null;
}
interface Figure {
  id: string;
  weft: Summary;
  baselines: { id: string; summary: Summary }[];
}
interface Results {
  meta: { quick: boolean; suites: string[] };
  suites: Record<string, { figures?: Figure[]; error?: string }>;
  teardown: { leftovers: unknown[] };
}

describe('npm run bench (smoke)', () => {
  let out = '';
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('runs `bench/run.mjs --quick --only launch` and writes numeric medians', { timeout: 300_000 }, async () => {
    out = await mkdtemp(join(tmpdir(), 'weft-bench-smoke-'));
    await run(process.execPath, [join(repo, 'bench', 'run.mjs'), '--quick', '--only', 'launch', '--out', out], {
      cwd: repo,
      timeout: 280_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const results = JSON.parse(await readFile(join(out, 'quick.json'), 'utf8')) as Results;
    expect(results.meta.quick).toBe(true);
    expect(results.meta.suites).toEqual(['launch']);
    const launch = results.suites.launch;
    expect(launch?.error).toBeUndefined();
    const figures = launch?.figures ?? [];
    expect(figures.map((f) => f.id).sort()).toEqual(
      ['hello', 'counter'].flatMap((app) => ['warm_app', 'standby', 'cold'].map((path) => `launch.${app}.${path}`)).sort(),
    );
    for (const f of figures) {
      expect(typeof f.weft.median).toBe('number');
      expect(f.weft.n).toBeGreaterThan(0);
      expect(f.baselines.map((b) => b.id)).toEqual(['A', 'W', 'B', 'C']);
      for (const b of f.baselines) expect(typeof b.summary.median).toBe('number');
    }
    expect(results.teardown.leftovers).toEqual([]);
    expect(await readFile(join(out, 'quick.md'), 'utf8')).toContain('launch → READY');
  });
});
