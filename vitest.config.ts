// vitest: every suite under test/, in forked workers (suites spawn real processes and sockets), the long suites started first.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The suites that take longest (measured on 2 cores: the soak ~150 s, the others 25–50 s). On a
 * clean clone vitest has no durations cached and orders by file size, which can leave the soak to
 * start last and run alone at the end; starting these first lets the short suites fill the other
 * worker around them.
 */
const LONG_SUITES = [
  'test/hostile/soak.test.ts',
  'test/pack/install.test.ts',
  'test/bench/bench-smoke.test.ts',
  'test/appd/real-runtime.test.ts',
  'test/appd/cycles.test.ts',
  'test/appd/daemon.test.ts',
];
const missing = LONG_SUITES.filter((file) => !existsSync(file));
if (missing.length > 0) throw new Error(`vitest.config.ts: LONG_SUITES names files that do not exist: ${missing.join(', ')}; update the list`);

class LongSuitesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const at = LONG_SUITES.indexOf(relative(process.cwd(), file.moduleId));
      return at === -1 ? LONG_SUITES.length : at;
    };
    return sorted.map((file, index) => ({ file, index })).sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index).map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    reporters: ['default'],
    sequence: { sequencer: LongSuitesFirst },
  },
});
