// A killed weft-appd can leave a sandbox stuck before it ever ran the runtime (bubblewrap's inner half waiting on its dead outer half); the next weft-appd kills those of its own runtime, and nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isOrphanedSandbox, type ProcEntry } from '../../src/appd/sandbox/orphans.js';
import { pidRunning } from '../support/processes.js';
import { FAKE_RUNTIME, makeEnv, startDaemon, waitFor } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const unshareWorks = spawnSync('unshare', ['--user', '--pid', '--fork', 'true']).status === 0;
const missing = !bwrapWorks() ? 'bubblewrap' : !unshareWorks ? 'unshare --user --pid' : null;
if (missing && process.env.CI) throw new Error(`the orphaned-sandbox suite needs ${missing}`);

describe('isOrphanedSandbox', () => {
  const stuck: ProcEntry = { pid: 40, comm: 'bwrap', uid: 1000, nspid: [40, 1], parentComm: 'systemd', cmdline: ['bwrap', '--unshare-all', '--', '/usr/bin/node', '/opt/weft/dist/bin/weft-runtime.js', '--standby'] };
  const marker = '/opt/weft/dist/bin/weft-runtime.js';
  it('a bwrap that is pid 1 of its namespace, whose outer bwrap is gone, running this weft\'s runtime: yes', () => {
    expect(isOrphanedSandbox(stuck, 1000, marker)).toBe(true);
  });
  it('a live sandbox (its parent is its outer bwrap), another user\'s, another program\'s, an outer bwrap, or the runtime itself: no', () => {
    expect(isOrphanedSandbox({ ...stuck, parentComm: 'bwrap' }, 1000, marker)).toBe(false);
    expect(isOrphanedSandbox(stuck, 1001, marker)).toBe(false);
    expect(isOrphanedSandbox(stuck, 1000, '/other/flatpak-helper')).toBe(false);
    expect(isOrphanedSandbox({ ...stuck, nspid: [40] }, 1000, marker)).toBe(false);
    expect(isOrphanedSandbox({ ...stuck, comm: 'node' }, 1000, marker)).toBe(false);
  });
});

describe.skipIf(missing !== null)('weft-appd at start kills its runtime\'s stuck sandboxes', () => {
  const work = mkdtempSync(join(tmpdir(), 'weft-orphans-'));
  const started: number[] = [];
  afterAll(() => {
    for (const pid of started) if (pidRunning(pid)) process.kill(pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** A process in exactly that state: named bwrap, pid 1 of its own pid namespace, its parent (unshare) killed; its command line names `marker`. */
  async function stuckSandbox(marker: string): Promise<number> {
    const fake = join(mkdtempSync(join(work, 'fake-')), 'bwrap');
    copyFileSync('/bin/sh', fake);
    const outer = spawn('unshare', ['--user', '--pid', '--fork', fake, '-c', 'sleep 600; :', 'sh', marker], { stdio: 'ignore' });
    const inner = await waitFor(() => {
      const pids = spawnSync('pgrep', ['-P', String(outer.pid)], { encoding: 'utf8' }).stdout.trim();
      return pids.length > 0 ? Number(pids.split('\n')[0]) : undefined;
    }, 5000, 'the fake sandbox');
    outer.kill('SIGKILL');
    await waitFor(() => (/^PPid:\s*1$/m.test(readFileSync(`/proc/${inner}/status`, 'utf8')) ? true : undefined), 5000, 'the orphan');
    started.push(inner);
    return inner;
  }

  it('kills a stuck sandbox that runs its runtime, leaves one that runs something else, and says so', async () => {
    const ours = await stuckSandbox(FAKE_RUNTIME);
    const other = await stuckSandbox('/somewhere/else/helper.js');
    const t = makeEnv(FAKE_RUNTIME, { WEFT_STANDBY: '0' });
    const daemon = await startDaemon(t);
    try {
      const said = await waitFor(() => daemon.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('a killed weft-appd left stuck')), 10_000, 'the log line');
      expect(said).toMatchObject({ pids: [ours] });
      await waitFor(() => (!pidRunning(ours) ? true : undefined), 5000, 'the stuck sandbox to go');
      expect(pidRunning(other)).toBe(true);
    } finally {
      await daemon.stop('SIGTERM');
      t.cleanup();
    }
  });
});
