// A confined standby never costs an app its caches: the first launch of an app whose cache is empty goes cold (its transpile and V8 code cache land in the app's own cache), later launches are warm and reuse them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appCacheDir } from '../../src/config/paths.js';
import { STAGE_CACHE_MAX_BYTES, stageCanServe } from '../../src/appd/sandbox/standby-stage.js';
import { connect, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, startDaemon, subscribe, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const missing = !realAppsReady(['counter']) ? 'the built fixture apps' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the standby cache suite needs ${missing}`);

describe('stageCanServe: a stage copies only a filled cache of plain files, of bounded size', () => {
  const base = mkdtempSync(join(tmpdir(), 'weft-stage-cache-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  /** A fresh cache dir, filled by `fill`. */
  const cache = (fill: (dir: string) => void = () => {}): string => {
    const dir = join(base, String(n++));
    mkdirSync(join(dir, 'v8'), { recursive: true });
    fill(dir);
    return dir;
  };
  const handPlaced = { installDir: null, record: null };
  const precompiled = { installDir: '/store/.weft/installs/x', record: null };

  it('missing or empty: not yet (the first launch goes cold and fills it)', () => {
    expect(stageCanServe(handPlaced, join(base, 'missing'), false)).toBe(false);
    expect(stageCanServe(handPlaced, cache(), false)).toBe(false);
    expect(stageCanServe(precompiled, cache(), false)).toBe(false);
  });

  it('a filled cache: yes; a precompiled install with the code cache off needs none', () => {
    expect(stageCanServe(handPlaced, cache((d) => writeFileSync(join(d, 'v8', 'abc'), 'x')), false)).toBe(true);
    expect(stageCanServe(precompiled, cache(), true)).toBe(true);
    expect(stageCanServe(handPlaced, cache(), true)).toBe(false);
  });

  it('a precompiled install: only a cache that holds a script of the glue its record names (not an older version\'s)', () => {
    const glue = 'c'.repeat(64);
    const recorded = { installDir: '/store/.weft/installs/y', record: { precompiled: { entry: 'component.js', files: { 'component.js': glue } } } } as unknown as Parameters<typeof stageCanServe>[0];
    const older = cache((d) => writeFileSync(join(d, 'v8', `${'d'.repeat(64)}-${'e'.repeat(16)}.js`), 'x'));
    expect(stageCanServe(recorded, older, false)).toBe(false);
    const current = cache((d) => {
      writeFileSync(join(d, 'v8', `${glue}-${'e'.repeat(16)}.js`), 'x');
      writeFileSync(join(d, 'v8', `${glue}-${'e'.repeat(16)}.v8`), 'x');
    });
    expect(stageCanServe(recorded, current, false)).toBe(true);
    expect(stageCanServe(recorded, cache(), true)).toBe(true);
  });

  it('anything but regular files and directories (a FIFO, a symlink), or more than the bound (sparse counts whole): cold', () => {
    const fifo = cache((d) => execFileSync('mkfifo', [join(d, 'v8', 'pipe')]));
    expect(stageCanServe(handPlaced, fifo, false)).toBe(false);
    expect(stageCanServe(precompiled, fifo, true)).toBe(false);
    expect(stageCanServe(handPlaced, cache((d) => symlinkSync('/etc', join(d, 'v8', 'link'))), false)).toBe(false);
    const sparse = cache((d) => {
      writeFileSync(join(d, 'v8', 'big'), '');
      truncateSync(join(d, 'v8', 'big'), STAGE_CACHE_MAX_BYTES + 1);
    });
    expect(stageCanServe(handPlaced, sparse, false)).toBe(false);
  });
});

describe.skipIf(missing !== null)('confined standbys and the app cache', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    t?.cleanup();
  });

  it('a package without precompiled output: cold first (transpiles into its cache), then warm (uses the cached transpile)', async () => {
    // No per-app warm runtime (WEFT_WARM_APPS=0): this suite is about the standby pool, which a warm counter would take the later launches from.
    t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'debug', WEFT_STANDBY: '1', WEFT_WARM_APPS: '0' });
    // A plain package directory (as WEFT or a user puts it there): no install record, so no precompiled output.
    const id = installRealApp(t.store, 'counter');
    daemon = await startDaemon(t);
    const client = await connect(t);
    const events = await subscribe(client);
    /** Waits until a standby is ready that was started after log entry `from`. */
    const standbyReady = (from: number): Promise<unknown> => waitFor(() => daemon.logs.slice(from).find((l) => l.msg === 'standby runtime ready'), 30_000, 'a ready standby');
    await standbyReady(0);

    const launch = async (): Promise<{ warm: unknown; notes: string[]; from: number }> => {
      const from = daemon.logs.length;
      const ack = await client.request({ type: 'LAUNCH_APP', app_id: id, surface_id: 0 });
      if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
      await waitFor(() => events.find((e) => e.type === 'APP_READY' && e.session_id === ack.session_id), 30_000, 'READY');
      await client.request({ type: 'TERMINATE_APP', session_id: ack.session_id });
      const mine = daemon.logs.filter((l) => l.session_id === ack.session_id);
      return { warm: mine.find((l) => l.msg === 'runtime started')?.warm, notes: mine.filter((l) => l.stream === 'runtime').map((l) => String(l.msg)), from };
    };

    const first = await launch();
    expect(first.warm).toBe(false);
    expect(first.notes.join('\n')).toMatch(/transpiled app\.wasm on the fly/);
    const cache = appCacheDir(id, t.env);
    expect(readdirSync(cache).sort()).toEqual(['transpiled', 'v8']);
    expect(readdirSync(join(cache, 'v8')).length).toBeGreaterThan(0);

    for (let i = 0; i < 2; i++) {
      const again = await launch();
      expect(again.warm).toBe(true);
      expect(again.notes.join('\n')).toMatch(/using the on-the-fly transpile cached in/);
      // The pool starts the next standby once this session is READY, not while it loads.
      const after = daemon.logs.slice(again.from);
      const ready = after.findIndex((l) => l.msg === 'app ready');
      await waitFor(() => daemon.logs.slice(again.from).find((l) => l.msg === 'standby runtime started'), 30_000, 'the next standby');
      expect(ready).toBeGreaterThanOrEqual(0);
      expect(daemon.logs.slice(again.from).findIndex((l) => l.msg === 'standby runtime started')).toBeGreaterThan(ready);
      await standbyReady(again.from);
    }
    client.close();
  });
});
