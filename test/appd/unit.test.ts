// Unit tests for appd's pure parts: exit classification, restart policy, limit judging, rate limiting, backend choice, line splitting.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/appd/backends/choose.js';
import { scopeArgs } from '../../src/appd/backends/systemd-scope.js';
import { LimitJudge } from '../../src/appd/limits/judge.js';
import { TokenBucket } from '../../src/appd/logs/token-bucket.js';
import { backoffDelay, decideRestart } from '../../src/appd/restart/policy.js';
import { classifyExit } from '../../src/appd/session/exit.js';
import { BoundedHistory } from '../../src/appd/session/history.js';
import { LineReader } from '../../src/appd/session/lines.js';
import { preopensFor } from '../../src/appd/session/preopens.js';
import { parseCapability, type Grant } from '../../src/manifest/capabilities.js';
import { DEFAULT_RESTART } from '../../src/manifest/types.js';

const end = { code: null, signal: null, cause: null, runtimeMessage: null, spawnError: null };

describe('classifyExit', () => {
  it('names runtime exit codes', () => {
    expect(classifyExit({ ...end, code: 0 })).toEqual({ exit_code: 0, signal: null, reason: 'exited' });
    expect(classifyExit({ ...end, code: 7 }).reason).toBe('exited');
    expect(classifyExit({ ...end, code: 134, runtimeMessage: 'wasm trap: unreachable' })).toMatchObject({ reason: 'trap', message: 'wasm trap: unreachable' });
    expect(classifyExit({ ...end, code: 137 }).reason).toBe('memory-limit');
    expect(classifyExit({ ...end, code: 125 }).reason).toBe('load-failed');
    expect(classifyExit({ ...end, code: 126 }).reason).toBe('load-failed');
  });
  it('prefers what appd did over the signal', () => {
    expect(classifyExit({ ...end, signal: 'SIGKILL', cause: { reason: 'memory-limit', message: 'rss' } })).toMatchObject({ reason: 'memory-limit', signal: 'SIGKILL' });
    expect(classifyExit({ ...end, signal: 'SIGKILL' }).reason).toBe('killed');
    expect(classifyExit({ ...end, code: -2, spawnError: 'ENOENT' }).reason).toBe('load-failed');
  });
});

describe('restart policy', () => {
  const crash = { exit_code: 7, signal: null, reason: 'exited' };
  const clean = { exit_code: 0, signal: null, reason: 'exited' };
  const policy = { ...DEFAULT_RESTART, policy: 'on-failure' as const, maxRestarts: 3, windowMs: 10_000, backoffMs: 100 };
  it('restarts failures with doubling backoff, capped at 30 s', () => {
    expect(decideRestart(policy, crash, [], 0)).toEqual({ kind: 'restart', delayMs: 100 });
    expect(decideRestart(policy, crash, [0, 10], 20)).toEqual({ kind: 'restart', delayMs: 400 });
    expect(backoffDelay(1000, 10)).toBe(30_000);
  });
  it('leaves clean exits and deliberate stops alone', () => {
    expect(decideRestart(policy, clean, [], 0).kind).toBe('stay-stopped');
    expect(decideRestart({ ...policy, policy: 'always' }, clean, [], 0).kind).toBe('restart');
    expect(decideRestart({ ...policy, policy: 'always' }, { ...clean, reason: 'terminated' }, [], 0).kind).toBe('stay-stopped');
    expect(decideRestart({ ...policy, policy: 'no' }, crash, [], 0).kind).toBe('stay-stopped');
  });
  it('gives up after max_restarts within the window, and forgets old restarts', () => {
    expect(decideRestart(policy, crash, [1, 2, 3], 4).kind).toBe('give-up');
    expect(decideRestart(policy, crash, [1, 2, 3], 20_000).kind).toBe('restart');
  });
});

describe('LimitJudge', () => {
  const MiB = 1024 * 1024;
  it('kills on RSS over the limit at once', () => {
    const judge = new LimitJudge({ memoryMaxMb: 100, cpuPercent: 200 }, 3000);
    expect(judge.push({ at: 0, cpuMs: 0, rssBytes: 50 * MiB })).toBeNull();
    expect(judge.push({ at: 250, cpuMs: 0, rssBytes: 101 * MiB })?.reason).toBe('memory-limit');
  });
  it('judges CPU only over a full window', () => {
    const judge = new LimitJudge({ memoryMaxMb: 100, cpuPercent: 50 }, 1000);
    // 100% CPU: 250 ms of CPU per 250 ms.
    expect(judge.push({ at: 0, cpuMs: 0, rssBytes: 1 })).toBeNull();
    expect(judge.push({ at: 500, cpuMs: 500, rssBytes: 1 })).toBeNull();
    expect(judge.push({ at: 1000, cpuMs: 1000, rssBytes: 1 })?.reason).toBe('cpu-limit');
    expect(judge.currentCpuPercent()).toBe(100);
  });
  it('forgives a short burst inside a quiet window', () => {
    const judge = new LimitJudge({ memoryMaxMb: 100, cpuPercent: 50 }, 2000);
    let verdict = null;
    for (let t = 0; t <= 4000; t += 250) verdict ??= judge.push({ at: t, cpuMs: t < 500 ? t : 500 + (t - 500) * 0.1, rssBytes: 1 });
    expect(verdict).toBeNull();
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    const bucket = new TokenBucket(10, 10, 0);
    let taken = 0;
    for (let i = 0; i < 50; i++) if (bucket.take(0)) taken++;
    expect(taken).toBe(10);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });
});

describe('chooseBackend', () => {
  const reachable = { userManager: true, systemdRun: '/usr/bin/systemd-run' };
  const none = { userManager: false, systemdRun: '/usr/bin/systemd-run' };
  it('picks systemd-scope when a user manager is reachable, direct otherwise', () => {
    expect(chooseBackend({}, reachable)).toMatchObject({ ok: true, name: 'systemd-scope' });
    expect(chooseBackend({}, none)).toMatchObject({ ok: true, name: 'direct' });
  });
  it('honours WEFT_DISABLE_CGROUP and WEFT_BACKEND', () => {
    expect(chooseBackend({ WEFT_DISABLE_CGROUP: '1', WEFT_BACKEND: 'systemd-scope' }, reachable)).toMatchObject({ name: 'direct' });
    expect(chooseBackend({ WEFT_BACKEND: 'direct' }, reachable)).toMatchObject({ name: 'direct' });
    expect(chooseBackend({ WEFT_BACKEND: 'systemd-scope' }, none)).toMatchObject({ ok: false });
    expect(chooseBackend({ WEFT_BACKEND: 'docker' }, none)).toMatchObject({ ok: false });
  });
});

describe('systemd scope arguments', () => {
  it('carries the manifest limits into the scope', () => {
    const args = scopeArgs({ memoryMaxMb: 64, cpuPercent: 50 }, { appId: 'org.example.app', sessionId: 3 });
    expect(args).toEqual(expect.arrayContaining(['--user', '--scope', '--slice=weft-apps.slice', 'MemoryMax=64M', 'CPUQuota=50%']));
    expect(args[args.length - 1]).toBe('--');
  });
});

describe('BoundedHistory', () => {
  it('keeps the newest entries within count and age', () => {
    const history = new BoundedHistory<string>(2, 1000);
    history.add(1, 'a', 0);
    history.add(2, 'b', 0);
    history.add(3, 'c', 0);
    expect(history.get(1, 0)).toBeUndefined();
    expect(history.get(3, 0)).toBe('c');
    expect(history.get(3, 2000)).toBeUndefined();
  });
});

describe('LineReader', () => {
  it('splits lines, strips CR, cuts overlong lines and flushes the tail', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    const reader = new LineReader(stream, 8);
    reader.on('line', (line: string) => lines.push(line));
    const ended = new Promise((resolve) => reader.on('end', resolve));
    stream.write('READY\r\nab');
    stream.write('c\n0123456789\ntail');
    stream.end();
    await ended;
    expect(lines).toEqual(['READY', 'abc', '01234567', '89', 'tail']);
  });
});

describe('preopensFor', () => {
  it('maps fs grants the way WEFT does, once per scope', () => {
    const grants = ['fs:read:app-data', 'fs:rw:app-data', 'fs:rw:xdg-documents'].map((c) => (parseCapability(c) as { grant: Grant }).grant);
    const preopens = preopensFor({ id: 'org.example.notes', grants }, { HOME: '/home/u', XDG_DATA_HOME: '/home/u/.local/share' });
    expect(preopens).toEqual([
      { host: '/home/u/.local/share/weft/apps/org.example.notes/data', guest: '/data', create: true },
      { host: '/home/u/Documents', guest: '/xdg/documents', create: false },
    ]);
  });
});
