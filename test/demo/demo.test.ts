// `npm run demo` end to end: READY, an IPC reply, exit 0, and nothing left behind (daemon, runtimes, temp dir).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidExists } from '../support/processes.js';

const repo = join(import.meta.dirname, '..', '..');

describe('npm run demo', () => {
  it('shows READY and an IPC reply, exits 0, and leaves no process or socket behind', () => {
    const run = spawnSync(process.execPath, [join(repo, 'dist', 'demo', 'main.js')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toMatch(/demo failed/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^sandbox: (bwrap \(|off \()/m);
    expect(run.stdout).toMatch(/APP_READY session \d+ after \d+ ms/);
    expect(run.stdout).toMatch(/IPC increment → \{"count":1\}/);
    expect(run.stdout).toMatch(/IPC get → \{"count":2\}/);
    expect(run.stdout).toMatch(/caps get visits → \{"value":"1"\}/);
    expect(run.stdout).toMatch(/caps config greeting → \{"value":"hello"\}/);
    expect(run.stdout).toMatch(/caps sched nightly 0 3 \* \* \* → \{"next_run_ms":\d+\}/);
    expect(run.stdout).toMatch(/weft-appd stopped cleanly/);

    const base = /temp runtime dir and store under (\S+)/.exec(run.stdout)?.[1];
    expect(base).toBeDefined();
    expect(existsSync(base as string)).toBe(false);
    const appdPid = Number(/\(pid (\d+)\)/.exec(run.stdout)?.[1]);
    expect(appdPid).toBeGreaterThan(0);
    expect(pidExists(appdPid)).toBe(false);
    const runtimePids = [...run.stdout.matchAll(/runtime pid (\d+)/g)].map((m) => Number(m[1]));
    expect(runtimePids.length).toBeGreaterThan(0);
    for (const pid of runtimePids) expect(pidExists(pid)).toBe(false);
  });
});
