// Packages dropped straight into the store (WEFT's layout allows plain directories): special files where appd reads.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { placeApp } from './corpus/apps.js';
import { manifest } from './corpus/packages.js';
import { AppdProcess } from '../support/appd.js';
import { rssBytes } from '../support/processes.js';
import { PeakSampler } from './helpers/proc.js';
import { record } from './helpers/results.js';
import { makeSandbox, type Sandbox } from './helpers/sandbox.js';
import { Watcher } from './helpers/watcher.js';

const MIB = 1024 * 1024;
const EVIL = 'org.weft.hostile.evilstore';
/** An answer must come within this long (generous; a healthy appd answers in milliseconds). */
const ANSWER_MS = 10_000;
const RSS_GROWTH_BOUND = 256 * MIB;

let sandbox: Sandbox | null = null;
let appd: AppdProcess | null = null;
const watchers: Watcher[] = [];
let cleanup: Array<() => void> = [];

afterEach(async () => {
  for (const undo of cleanup.splice(0)) undo();
  for (const w of watchers.splice(0)) w.close();
  if (appd) {
    appd.kill('SIGKILL');
    await appd.waitExit(5000).catch(() => {});
  }
  appd = null;
  sandbox?.cleanup();
  sandbox = null;
});

/** A store with hello and one evil entry shaped by `plant`, and an appd on it. */
async function storeWith(plant: (dir: string) => void): Promise<AppdProcess> {
  sandbox = makeSandbox('store', ['hello']);
  const dir = join(sandbox.store, EVIL);
  mkdirSync(dir);
  plant(dir);
  appd = await AppdProcess.start(sandbox, { env: { WEFT_STANDBY: '0' } });
  return appd;
}

function within<T>(ms: number, promise: Promise<T>): Promise<T | 'no answer'> {
  return Promise.race([promise, new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), ms))]);
}

/** `listers` clients list the installed apps at once while another launches hello; all must be answered, in bounded memory. */
async function listAndLaunch(daemon: AppdProcess, listers = 3): Promise<{ lists: unknown[]; launch: unknown; growth: number }> {
  const base = rssBytes(daemon.pid) ?? 0;
  const rss = new PeakSampler(() => rssBytes(daemon.pid)).start(50);
  const clients = await Promise.all(Array.from({ length: listers }, () => daemon.connect()));
  const lists = clients.map((c) => within(ANSWER_MS, c.request({ type: 'QUERY_INSTALLED_APPS' })));
  const other = await Watcher.open(() => daemon.connect());
  watchers.push(other);
  const launch = await within(ANSWER_MS, other.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.hello', surface_id: 0 }));
  const answered = await Promise.all(lists);
  for (const c of clients) c.close();
  const growth = rss.stop() - base;
  return { lists: answered, launch, growth };
}

describe('a store entry whose wapp.toml is not a regular file', () => {
  it('wapp.toml → /dev/zero: listing is answered without reading forever, and memory stays bounded', async () => {
    const daemon = await storeWith((dir) => symlinkSync('/dev/zero', join(dir, 'wapp.toml')));
    // One lister is enough to show it (each one costs appd about half a GiB today).
    const result = await listAndLaunch(daemon, 1);
    record('hostile-store', { dev_zero: { growth_mib: +(result.growth / MIB).toFixed(1), answered: result.lists.filter((l) => l !== 'no answer').length } });
    expect(daemon.running).toBe(true);
    expect(result.growth).toBeLessThan(RSS_GROWTH_BOUND);
    expect(result.launch).toMatchObject({ type: 'LAUNCH_ACK' });
    for (const list of result.lists) expect(list).toMatchObject({ type: 'INSTALLED_APPS', apps: [{ app_id: 'org.weft.test.hello' }] });
  });

  it('wapp.toml is a FIFO nobody writes to: listing is answered, and other requests are not starved', async () => {
    let fifo = '';
    const daemon = await storeWith((dir) => {
      fifo = join(dir, 'wapp.toml');
      execFileSync('mkfifo', [fifo]);
    });
    // Whatever happens, let any reader blocked on the FIFO go at the end (a writer that closes gives them EOF).
    cleanup.push(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader left
      }
    });
    // Four listers: as many as libuv has threads for file system calls (UV_THREADPOOL_SIZE defaults to 4).
    const result = await listAndLaunch(daemon, 4);
    record('hostile-store', { fifo: { launch: result.launch === 'no answer' ? 'no answer' : 'answered', answered: result.lists.filter((l) => l !== 'no answer').length } });
    expect(result.launch).toMatchObject({ type: 'LAUNCH_ACK' });
    for (const list of result.lists) expect(list).toMatchObject({ type: 'INSTALLED_APPS' });
  });

  it('wapp.toml is a 1 GiB (sparse) file: it is refused by size, not read into memory', async () => {
    const daemon = await storeWith((dir) => {
      writeFileSync(join(dir, 'wapp.toml'), manifest(EVIL));
      const fd = openSync(join(dir, 'wapp.toml'), 'r+');
      ftruncateSync(fd, 1024 * MIB);
      closeSync(fd);
    });
    const result = await listAndLaunch(daemon, 1);
    record('hostile-store', { sparse_1gib: { growth_mib: +(result.growth / MIB).toFixed(1) } });
    expect(daemon.running).toBe(true);
    expect(result.growth).toBeLessThan(RSS_GROWTH_BOUND);
    for (const list of result.lists) expect(list).toMatchObject({ type: 'INSTALLED_APPS', apps: [{ app_id: 'org.weft.test.hello' }] });
  });
});

describe('a store entry that points elsewhere', () => {
  it('an entry symlinked to / is skipped by the listing and cannot be launched', async () => {
    sandbox = makeSandbox('store', ['hello']);
    symlinkSync('/', join(sandbox.store, 'org.weft.hostile.rootlink'));
    appd = await AppdProcess.start(sandbox, { env: { WEFT_STANDBY: '0' } });
    const list = await appd.request({ type: 'QUERY_INSTALLED_APPS' });
    expect(list).toEqual({ type: 'INSTALLED_APPS', apps: [expect.objectContaining({ app_id: 'org.weft.test.hello' })] });
    expect(await appd.request({ type: 'LAUNCH_APP', app_id: 'org.weft.hostile.rootlink', surface_id: 0 })).toMatchObject({ type: 'ERROR' });
  });

  it('app.wasm → /dev/zero: the session ends (load failure or a limit), appd stays up', async () => {
    sandbox = makeSandbox('store', ['hello']);
    const id = placeApp(sandbox, 'org.weft.hostile.zerowasm', { fixture: 'hello' }, { tables: '[limits]\nmemory_max_mb = 128\nready_timeout_ms = 5000\n' });
    const wasm = join(sandbox.store, id, 'app.wasm');
    execFileSync('rm', [wasm]);
    symlinkSync('/dev/zero', wasm);
    appd = await AppdProcess.start(sandbox, { env: { WEFT_STANDBY: '0' } });
    const watcher = await Watcher.open(() => appd!.connect());
    watchers.push(watcher);
    const launched = await watcher.request({ type: 'LAUNCH_APP', app_id: id, surface_id: 0 });
    if (launched.type === 'LAUNCH_ACK') {
      const stopped = await watcher.stopped(launched.session_id, 60_000);
      record('hostile-store', { zero_wasm: stopped });
      expect(stopped).toMatchObject({ state: 'stopped' });
      expect(stopped.type === 'APP_STATE' && stopped.reason).toMatch(/load-failed|memory-limit|ready-timeout/);
    } else {
      expect(launched).toMatchObject({ type: 'ERROR' });
    }
    expect(await watcher.launchReady('org.weft.test.hello', 60_000)).toBeGreaterThan(0);
  });
});
