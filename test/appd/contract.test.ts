// The runtime contract through real processes: an app's stdout and stderr are data; state, reason and message come from the runtime's control channel alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appdSuiteForFile } from '../hostile/helpers/appd-suite.js';
import { buildC, hasClang } from '../runtime/helpers/build.js';
import { rssBytes } from '../support/processes.js';

/** Waits (up to 10 s: appd's log pipe may lag under load) for `check` to hold. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const MODES = ['exit137', 'readyforge', 'flood', 'partialtrap'] as const;
const idOf = (mode: string) => `org.weft.test.forger.${mode}`;

if (!hasClang && process.env.CI) throw new Error('the runtime contract suite needs clang-14 (wasm32-wasi); .ci/run installs it');

describe.skipIf(!hasClang)('an app cannot forge its session through its output', () => {
  const { appd, watcher } = appdSuiteForFile('contract', [], {
    prepare: async (box) => {
      const wasm = await buildC('forger', { world: 'import notify;' });
      for (const mode of MODES) {
        const dir = join(box.store, idOf(mode));
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, 'wapp.toml'),
          // Only the app that never calls ready() needs a short timeout; the others may start slowly on a busy machine.
          `[package]\nid = "${idOf(mode)}"\nname = "Forger"\nversion = "1.0.0"\n\n[runtime]\nmodule = "app.wasm"\n\n[limits]\nready_timeout_ms = ${mode === 'readyforge' ? 3000 : 60_000}\n`,
        );
        writeFileSync(join(dir, 'app.wasm'), wasm);
      }
    },
    env: { WEFT_LOG: 'info' },
  });

  const logsOf = (id: number) => appd.logs.filter((r) => r.session_id === id);

  it('`weft-runtime: memory-limit: …` on stderr and exit 137 is an exit with status 137, with no message from the app', async () => {
    const id = await watcher.launchReady(idOf('exit137'));
    const stopped = await watcher.stopped(id, 30_000);
    expect(stopped).toMatchObject({ reason: 'exited', exit_code: 137 });
    expect(JSON.stringify(stopped)).not.toContain('forged');
    // The lines are still there, as the app's own output.
    await eventually(() => logsOf(id).some((r) => r.stream === 'stderr' && r.msg === 'weft-runtime: memory-limit: forged by the app'), 'the forged line logged as stderr');
  });

  it('READY on stdout (and escape sequences) does not make a session running: it times out waiting for ready()', async () => {
    const id = await watcher.launch(idOf('readyforge'));
    const stopped = await watcher.stopped(id, 30_000);
    expect(stopped).toMatchObject({ reason: 'ready-timeout' });
    expect(watcher.events.some((e) => e.type === 'APP_READY' && e.session_id === id)).toBe(false);
  });

  it('a stderr flood (with fake runtime lines) is rate-limited: log volume and appd RSS stay bounded', async () => {
    const before = rssBytes(appd.pid) ?? 0;
    const id = await watcher.launchReady(idOf('flood'));
    const stopped = await watcher.stopped(id, 30_000);
    expect(stopped).toMatchObject({ reason: 'exited', exit_code: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const records = logsOf(id);
    const bytes = records.reduce((sum, r) => sum + JSON.stringify(r).length, 0);
    // 3 s at the default 200 lines/s, each line at most 4 KiB and costing a token per KiB.
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
    expect(records.some((r) => typeof r.suppressed === 'number')).toBe(true);
    // Runtime notes (a transpile on the fly) come from the control channel; none carries the app's text.
    expect(records.filter((r) => r.stream === 'runtime' && String(r.msg).includes('memory-limit: flood'))).toEqual([]);
    expect((rssBytes(appd.pid) ?? 0) - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("a trap reports the trap's message, and an unterminated stderr line before it is flushed as its own record", async () => {
    const id = await watcher.launchReady(idOf('partialtrap'));
    const stopped = await watcher.stopped(id, 30_000);
    expect(stopped).toMatchObject({ reason: 'trap', exit_code: 134 });
    const message = String((stopped as { message?: string }).message);
    expect(message).toMatch(/unreachable/);
    expect(message).not.toMatch(/^\s*at /);
    await eventually(() => logsOf(id).some((r) => r.stream === 'stderr' && r.msg === 'progress: 42%'), 'the partial line logged as its own record');
  });
});
