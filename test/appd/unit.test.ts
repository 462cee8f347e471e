// Unit tests for appd's pure parts: exit classification, restart policy, limit judging, rate limiting, backend choice, line splitting.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { chooseBackend } from '../../src/appd/backends/choose.js';
import { scopeArgs, scopeMemoryMaxMb, scopeUnitName } from '../../src/appd/backends/systemd-scope.js';
import { LimitJudge } from '../../src/appd/limits/judge.js';
import { parseStat, readProcUsage } from '../../src/appd/limits/proc-usage.js';
import { nextSampleDelay, UsageSampler } from '../../src/appd/limits/sampler.js';
import { TokenBucket } from '../../src/appd/logs/token-bucket.js';
import { backoffDelay, decideRestart } from '../../src/appd/restart/policy.js';
import { classifyExit, inferMemoryKill, isDeliberateStop } from '../../src/appd/session/exit.js';
import { BoundedHistory } from '../../src/appd/session/history.js';
import { LineReader } from '../../src/appd/session/lines.js';
import { checkDocumentsDir, preopensFor, preparePreopens } from '../../src/appd/session/preopens.js';
import { parseCapability, type Grant } from '../../src/manifest/capabilities.js';
import { DEFAULT_RESTART } from '../../src/manifest/types.js';
import type { OutcomeReason } from '../../src/protocol/runtime-control.js';

const end = { code: null, signal: null, cause: null, outcome: null, confined: false, spawnError: null };
const outcome = (reason: OutcomeReason, code: number, message: string | null = null) => ({ type: 'outcome' as const, reason, code, message, backtrace: [] });

describe('classifyExit', () => {
  it('names the outcome the runtime reported on its control channel', () => {
    expect(classifyExit({ ...end, code: 0, outcome: outcome('exit', 0) })).toEqual({ exit_code: 0, signal: null, reason: 'exited' });
    expect(classifyExit({ ...end, code: 7, outcome: outcome('exit', 7) }).reason).toBe('exited');
    expect(classifyExit({ ...end, code: 134, outcome: outcome('trap', 134, 'wasm trap: unreachable') })).toMatchObject({ reason: 'trap', message: 'wasm trap: unreachable' });
    expect(classifyExit({ ...end, code: 137, outcome: outcome('memory-limit', 137) }).reason).toBe('memory-limit');
    expect(classifyExit({ ...end, code: 125, outcome: outcome('load-failed', 125) }).reason).toBe('load-failed');
  });
  it('never takes a reason from the exit status alone: an app that exits 137 or 134 itself just exited', () => {
    expect(classifyExit({ ...end, code: 137, outcome: outcome('exit', 137) })).toMatchObject({ reason: 'exited', exit_code: 137 });
    expect(classifyExit({ ...end, code: 134 })).toMatchObject({ reason: 'exited', message: 'the runtime ended with status 134 without reporting why' });
  });
  it("reads a confined runtime killed by a signal from bubblewrap's 128+n status", () => {
    expect(classifyExit({ ...end, code: 137, confined: true })).toMatchObject({ reason: 'killed', signal: 'SIGKILL', exit_code: null });
    expect(classifyExit({ ...end, code: 137, confined: true, cause: { reason: 'memory-limit', message: 'rss' } })).toMatchObject({ reason: 'memory-limit', signal: 'SIGKILL' });
    expect(classifyExit({ ...end, code: 137, confined: false }).reason).toBe('exited');
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
  it('carries the manifest limits into a named scope, MemoryMax with headroom above memory_max_mb', () => {
    const args = scopeArgs({ memoryMaxMb: 64, cpuPercent: 50 }, { appId: 'org.example.app', sessionId: 3, attempt: 1 }, 4711);
    expect(args).toEqual(expect.arrayContaining(['--user', '--scope', '--collect', '--slice=weft-apps.slice', '--unit=weft-app-4711-3-1.scope', 'MemoryMax=96M', 'CPUQuota=50%']));
    expect(args[args.length - 1]).toBe('--');
    expect(scopeUnitName({ sessionId: 12, attempt: 0 }, 99)).toBe('weft-app-99-12-0.scope');
  });
  it('gives the scope max(25 %, 32 MiB) of headroom', () => {
    expect(scopeMemoryMaxMb(64)).toBe(96);
    expect(scopeMemoryMaxMb(128)).toBe(160);
    expect(scopeMemoryMaxMb(512)).toBe(640);
    expect(scopeMemoryMaxMb(1000)).toBe(1250);
  });
});

describe('inferMemoryKill (an unexplained SIGKILL under a memory cgroup)', () => {
  const MiB = 1024 * 1024;
  const ctx = { kernelMemoryLimit: true, scopeMemoryMaxMb: 96, memoryMaxMb: 64, lastRssBytes: 50 * MiB };
  it('blames memory when the last sample was at least 60 % of the limit', () => {
    const cause = inferMemoryKill('SIGKILL', ctx);
    expect(cause).toMatchObject({ reason: 'memory-limit' });
    expect(cause?.message).toMatch(/MemoryMax=96M.*78% of the 64 MiB limit/);
    expect(inferMemoryKill('SIGKILL', { ...ctx, lastRssBytes: 0.6 * 64 * MiB })?.reason).toBe('memory-limit');
  });
  it('does not below 60 %, for other signals, without a sample, or without a cgroup', () => {
    expect(inferMemoryKill('SIGKILL', { ...ctx, lastRssBytes: 30 * MiB })).toBeNull();
    expect(inferMemoryKill('SIGTERM', ctx)).toBeNull();
    expect(inferMemoryKill('SIGKILL', { ...ctx, lastRssBytes: null })).toBeNull();
    expect(inferMemoryKill('SIGKILL', { ...ctx, kernelMemoryLimit: false })).toBeNull();
  });
  it('classifies the inferred cause as memory-limit with the signal kept', () => {
    expect(classifyExit({ ...end, signal: 'SIGKILL', cause: inferMemoryKill('SIGKILL', ctx) })).toMatchObject({ reason: 'memory-limit', signal: 'SIGKILL' });
  });
});

describe('shell-exited', () => {
  it('is a deliberate stop: no restart policy undoes it', () => {
    const shellExit = { exit_code: 143, signal: null, reason: 'shell-exited', message: 'the app shell exited on its own (code 0)' };
    expect(isDeliberateStop(shellExit)).toBe(true);
    expect(decideRestart({ ...DEFAULT_RESTART, policy: 'always' }, shellExit, [], 0).kind).toBe('stay-stopped');
  });
});

describe('/proc sampling', () => {
  it('parses /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal start vsize rss
    const line = '1234 (we(ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 3 2 20 0 11 0 999 123456789 2048 18446744073709551615';
    expect(parseStat(line)).toEqual({ state: 'S', cpuTicks: 305, rssPages: 2048 });
  });
  it('reads this process: RSS as the kernel counts it, CPU time in ms', () => {
    const sample = readProcUsage(process.pid);
    expect(sample).not.toBeNull();
    const rss = process.memoryUsage.rss();
    expect(Math.abs((sample?.rssBytes ?? 0) - rss)).toBeLessThan(rss * 0.2);
    expect(sample?.cpuMs).toBeGreaterThan(0);
    expect(readProcUsage(2 ** 22 + 12345)).toBeNull();
  });
});

describe('UsageSampler on a real process', () => {
  it('samples it and keeps no /proc fd open once it stops watching', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const procFds = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`/proc/${pid}/`);
        } catch {
          return false;
        }
      });
    const sampler = new UsageSampler(50);
    try {
      const samples: Array<{ rssBytes: number; cpuMs: number }> = [];
      sampler.watch(pid, (sample) => samples.push(sample));
      for (let i = 0; i < 200 && samples.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples[0]?.rssBytes).toBeGreaterThan(0);
      sampler.unwatch(pid);
      sampler.stop();
      // pidusage kept /proc/<pid>/stat open per pid, and its clear() never closed it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(procFds()).toEqual([]);
    } finally {
      sampler.stop();
      child.kill('SIGKILL');
    }
  });
});

describe('nextSampleDelay', () => {
  const MiB = 1024 * 1024;
  const limit = 64 * MiB;
  const at = (t: number, mib: number) => ({ at: t, cpuMs: 0, rssBytes: mib * MiB });
  it('keeps the base interval for a small or steady process, or without a limit', () => {
    expect(nextSampleDelay(null, at(0, 10), limit, 250, 20)).toBe(250);
    expect(nextSampleDelay(at(0, 10), at(250, 10), limit, 250, 20)).toBe(250);
    expect(nextSampleDelay(at(0, 10), at(250, 30), null, 250, 20)).toBe(250);
  });
  it('samples a growing process sooner the sooner it would reach half its limit', () => {
    // 10 → 20 MiB in 250 ms: 12 MiB to go at 40 MiB/s is 300 ms; half of that.
    expect(nextSampleDelay(at(0, 10), at(250, 20), limit, 250, 20)).toBe(150);
    // 10 → 30 MiB in 50 ms: racing.
    expect(nextSampleDelay(at(0, 10), at(50, 30), limit, 250, 20)).toBe(20);
  });
  it('samples fast above half the limit while growing, or above 90 %', () => {
    expect(nextSampleDelay(at(0, 34), at(20, 40), limit, 250, 20)).toBe(20);
    expect(nextSampleDelay(at(0, 40), at(20, 40), limit, 250, 20)).toBe(100);
    expect(nextSampleDelay(at(0, 60), at(20, 60), limit, 250, 20)).toBe(20);
  });
});

describe('UsageSampler against a simulated runaway process', () => {
  const MiB = 1024 * 1024;
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Where the first sample at or above the limit lands, for a process growing `mibPerSecond` from 20 MiB. */
  function firstSampleOverLimit(limitMib: number, mibPerSecond: number, baseMs = 250, fastMs = 20): number {
    vi.useFakeTimers({ now: 1_000_000 });
    const start = Date.now();
    const rssAt = (t: number) => (20 + ((t - start) / 1000) * mibPerSecond) * MiB;
    const sampler = new UsageSampler(baseMs, { fastIntervalMs: fastMs, now: Date.now, read: () => ({ at: Date.now(), cpuMs: 0, rssBytes: rssAt(Date.now()) }) });
    let seen: number | null = null;
    sampler.watch(
      42,
      (sample) => {
        if (seen === null && sample.rssBytes >= limitMib * MiB) seen = sample.rssBytes / MiB;
      },
      limitMib * MiB,
    );
    for (let i = 0; i < 10_000 && seen === null; i++) vi.advanceTimersByTime(1);
    sampler.stop();
    return seen ?? Infinity;
  }

  it('sees a 64 MiB app growing at 500 MiB/s over its limit before the scope backstop (96 MiB)', () => {
    // A fixed 250 ms tick would first see it at ~145 MiB: after the kernel's SIGKILL.
    const rss = firstSampleOverLimit(64, 500);
    expect(rss).toBeLessThan(scopeMemoryMaxMb(64));
    expect(rss).toBeLessThan(64 + 500 * 0.02 + 1);
  });
  it('does the same at 2 GiB/s with a 512 MiB limit, and for a slow grower', () => {
    expect(firstSampleOverLimit(512, 2048)).toBeLessThan(512 + 2048 * 0.02 + 1);
    expect(firstSampleOverLimit(64, 20)).toBeLessThan(64 + 1);
  });
  it('samples a steady small process at the base interval only', () => {
    vi.useFakeTimers({ now: 0 });
    let reads = 0;
    const sampler = new UsageSampler(250, { fastIntervalMs: 20, now: Date.now, read: () => (reads++, { at: Date.now(), cpuMs: 0, rssBytes: 10 * MiB }) });
    sampler.watch(7, () => {}, 64 * MiB);
    vi.advanceTimersByTime(10_000);
    sampler.stop();
    expect(reads).toBeGreaterThanOrEqual(39);
    expect(reads).toBeLessThanOrEqual(41);
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

describe('checkDocumentsDir: a documents folder that holds weft\'s own directories is refused', () => {
  const base = mkdtempSync(join(tmpdir(), 'weft-documents-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  mkdirSync(join(home, 'Documents'), { recursive: true });
  mkdirSync(join(home, '.cache', 'weft'), { recursive: true });
  symlinkSync(home, join(base, 'home-link'));
  const env = { HOME: home };

  it('the home directory itself (xdg-user-dirs\' value for a disabled folder) or above it, also through a symlink: refused, saying why and how to fix it', async () => {
    await expect(checkDocumentsDir(home, env)).rejects.toThrow(/xdg-documents grant would give it .*home, which is your home directory or holds it; set XDG_DOCUMENTS_DIR/);
    await expect(checkDocumentsDir(join(base, 'home-link'), env)).rejects.toThrow(/is your home directory/);
    await expect(checkDocumentsDir(base, env)).rejects.toThrow(/is your home directory or holds it/);
  });

  it('a folder holding one of weft\'s directories, also one that does not exist yet, or lying inside one: refused', async () => {
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(join(elsewhere, 'weft', 'apps', 'org.other.app'), { recursive: true });
    const outside = { HOME: home, XDG_CACHE_HOME: elsewhere, XDG_DATA_HOME: join(elsewhere, 'data') };
    await expect(checkDocumentsDir(elsewhere, outside)).rejects.toThrow(/holds weft's caches .* at .*elsewhere\/weft;/);
    await expect(checkDocumentsDir(join(elsewhere, 'weft', 'apps', 'org.other.app'), outside)).rejects.toThrow(/lies inside weft's caches/);
    await expect(checkDocumentsDir(join(base, 'elsewhere'), { HOME: home, XDG_DATA_HOME: join(elsewhere, 'data2') })).rejects.toThrow(/holds weft's data .* at .*data2\/weft;/);
    await expect(checkDocumentsDir(join(base, 'elsewhere'), { HOME: home, XDG_DATA_HOME: elsewhere, XDG_CACHE_HOME: join(base, 'c') })).rejects.toThrow(/holds (weft's data|systemd's user units)/);
  });

  it('a real documents folder: accepted, and preparePreopens keeps it', async () => {
    await expect(checkDocumentsDir(join(home, 'Documents'), env)).resolves.toBeUndefined();
    const plan = { host: join(home, 'Documents'), guest: '/xdg/documents', create: false, writable: false };
    expect(await preparePreopens([plan], env)).toEqual([plan]);
    await expect(preparePreopens([{ ...plan, host: home }], env)).rejects.toThrow(/is your home directory/);
  });
});

describe('preopensFor', () => {
  it('maps fs grants the way WEFT does, once per scope', () => {
    const grants = ['fs:read:app-data', 'fs:rw:app-data', 'fs:rw:xdg-documents'].map((c) => (parseCapability(c) as { grant: Grant }).grant);
    const preopens = preopensFor({ id: 'org.example.notes', grants }, { HOME: '/home/u', XDG_DATA_HOME: '/home/u/.local/share' });
    expect(preopens).toEqual([
      { host: '/home/u/.local/share/weft/apps/org.example.notes/data', guest: '/data', create: true, writable: true },
      { host: '/home/u/Documents', guest: '/xdg/documents', create: false, writable: true },
    ]);
  });
  it('binds a scope read-only when only a read grant names it', () => {
    const grants = ['fs:read:app-data'].map((c) => (parseCapability(c) as { grant: Grant }).grant);
    expect(preopensFor({ id: 'org.example.notes', grants }, { HOME: '/home/u' })[0]).toMatchObject({ guest: '/data', writable: false });
  });
});
