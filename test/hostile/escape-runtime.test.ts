// The sandbox escape corpus run straight through weft-runtime: every route out of /data, read-only grants, env, network.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_DUMP_ID, placeApp } from './corpus/apps.js';
import { ESCAPE_ROUTES, routeVerdicts } from './corpus/escape-routes.js';
import { plantEscapeWorld, READ_ONLY_FILES_ID, seedReadOnlyAppData } from './helpers/escape-world.js';
import { IpcHost } from './helpers/ipc-host.js';
import { record } from './helpers/results.js';
import { runRuntime, type RuntimeRun } from './helpers/runtime.js';
import { makeSandbox, type Sandbox } from './helpers/sandbox.js';
import { snapshot } from './helpers/tree.js';

const SECRET = 'hostile-secret-7f3a9c';
let sandbox: Sandbox;
let outside: string;
/** The main escape run, with /data/planted pointing at a directory outside /data. */
let escape: RuntimeRun;
let outsideBefore: string[] = [];
let aroundDataBefore: string[] = [];
let http: Server;
let httpHits: string[] = [];
let httpPort = 0;

const ESCAPE = 'org.weft.test.escape';

function preopen(appId: string): string[] {
  const data = sandbox.appData(appId);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  return ['--preopen', `${data}::/data`];
}

function runtimeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...sandbox.env, WEFT_HOSTILE_SECRET: SECRET, ...extra };
}

/** Plants /data/planted → `target` (replacing any earlier link) and runs the escape app once. */
async function escapeRun(target: string, session: string): Promise<RuntimeRun> {
  const link = join(sandbox.appData(ESCAPE), 'planted');
  const args = preopen(ESCAPE);
  rmSync(link, { force: true });
  symlinkSync(target, link);
  return runRuntime(ESCAPE, session, { env: runtimeEnv(), args, timeoutMs: 60_000 });
}

async function fetcherSession(appId: string, urls: string[]): Promise<{ replies: string[]; run: RuntimeRun }> {
  const socketPath = join(sandbox.runtimeDir, `ipc-${appId}.sock`);
  const host = await IpcHost.listen(socketPath);
  const running = runRuntime(appId, '7', { env: runtimeEnv(), args: ['--ipc-socket', socketPath], timeoutMs: 60_000 });
  const replies: string[] = [];
  try {
    const connectedOrExit = await Promise.race([host.connected(60_000).then(() => 'connected' as const), running.then(() => 'exited' as const)]);
    if (connectedOrExit === 'connected') {
      const exited = running.then((run) => `(exited ${run.code} before replying)`);
      for (const url of urls) replies.push(await Promise.race([host.ask(url, 30_000).catch((e: Error) => `(no reply: ${e.message})`), exited]));
    }
  } finally {
    host.close();
  }
  return { replies, run: await running };
}

beforeAll(async () => {
  sandbox = makeSandbox('escape-rt', ['escape', 'files', 'net']);
  outside = await plantEscapeWorld(sandbox, SECRET);
  placeApp(sandbox, 'org.weft.hostile.fetchnogrant', { fixture: 'fetcher' }, { capabilities: [] });
  placeApp(sandbox, 'org.weft.test.fetcher', { fixture: 'fetcher' }, { capabilities: ['net:fetch:127.0.0.1'] });
  http = createServer((req, res) => {
    httpHits.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
    res.end('secret-body');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;

  mkdirSync(sandbox.appData(ESCAPE), { recursive: true, mode: 0o700 });
  outsideBefore = snapshot(outside);
  aroundDataBefore = snapshot(dirname(sandbox.appData(ESCAPE)));
  escape = await escapeRun(outside, '1');
}, 120_000);

afterAll(() => {
  http?.close();
  sandbox?.cleanup();
});

describe('weft-runtime: every escape route out of /data is denied', () => {
  it('the escape app ran to its summary and found nothing open', () => {
    const run = escape;
    // The guard's own notes (a refused symlink) are expected; a refused load is not.
    expect(run.stderr.replace(/^weft-runtime: filesystem guard: .*$/gm, '')).not.toMatch(/refused|cannot/i);
    expect(run.lines).toContain('READY');
    expect(run.lines).toContain(`ESCAPE-SUMMARY denied=${ESCAPE_ROUTES.length} escaped=0`);
    expect(run.code).toBe(0);
    record('escape-runtime', { routes: ESCAPE_ROUTES.length, verdicts: routeVerdicts(run.lines) });
  });

  it.each(ESCAPE_ROUTES)('route %s is denied', (route) => {
    const verdict = routeVerdicts(escape.lines)[route];
    expect(verdict, `no ROUTE ${route} line`).toBeDefined();
    expect(verdict).toMatch(/^DENIED E[A-Z]+$/);
  });

  it.each([
    ['the filesystem root', '/'],
    ['a relative path climbing out', '../../../../../../../..'],
    ['a file outside', 'SECRET_FILE'],
  ])('route planted is denied when /data/planted points to %s', async (_what, target) => {
    const run = await escapeRun(target === 'SECRET_FILE' ? join(outside, 'secret.txt') : target, '2');
    expect(routeVerdicts(run.lines).planted).toMatch(/^DENIED E[A-Z]+$/);
    expect(run.stdout).not.toContain('ESCAPED');
  });

  it('changed nothing outside /data (rename-out and hardlink-out left no file beside it)', () => {
    expect(snapshot(outside)).toEqual(outsideBefore);
    const notInside = (line: string) => !line.startsWith('data/');
    expect(snapshot(dirname(sandbox.appData(ESCAPE))).filter(notInside)).toEqual(aroundDataBefore.filter(notInside));
  });
});

describe('weft-runtime: grants are enforced', () => {
  it('a read-only grant (fs:read:app-data) cannot write into /data', async () => {
    const { data, before } = seedReadOnlyAppData(sandbox);
    const run = await runRuntime(READ_ONLY_FILES_ID, '3', { env: runtimeEnv(), args: preopen(READ_ONLY_FILES_ID), timeoutMs: 60_000 });
    expect(run.lines).toContain('READY');
    expect(run.stdout).toMatch(/^FAIL \S+ \/data\/hello\.txt: .*\((EROFS|EPERM|EACCES|ENOTCAPABLE|EBADF)\)$/m);
    expect(run.code).not.toBe(0);
    expect(snapshot(data)).toEqual(before);
  });

  it('the app sees none of the runtime\'s environment (a secret env var does not leak)', async () => {
    const run = await runRuntime(ENV_DUMP_ID, '4', { env: runtimeEnv(), timeoutMs: 60_000 });
    expect(run.lines).toContain('ENV-BEGIN');
    expect(run.lines).toContain('ENV-END');
    expect(run.code).toBe(0);
    const seen = run.lines.slice(run.lines.indexOf('ENV-BEGIN') + 1, run.lines.indexOf('ENV-END'));
    expect(run.stdout).not.toContain(SECRET);
    for (const name of ['WEFT_HOSTILE_SECRET', 'PATH', 'HOME', 'WEFT_APP_STORE', 'XDG_RUNTIME_DIR']) {
      expect(seen.filter((line) => line.startsWith(`${name}=`))).toEqual([]);
    }
    record('escape-runtime', { env_seen_by_app: seen });
  });

  it('a preview1 app has no network: every socket route is denied', async () => {
    const run = await runRuntime('org.weft.test.net', '5', { env: runtimeEnv(), timeoutMs: 60_000 });
    const routes = run.lines.filter((line) => line.startsWith('NET '));
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((line) => !/^NET \S+ DENIED E[A-Z]+$/.test(line))).toEqual([]);
    expect(run.stdout).toMatch(/^NET-SUMMARY denied=\d+ allowed=0$/m);
    expect(run.code).toBe(0);
    record('escape-runtime', { net_routes_denied: routes.length });
  });

  it('weft:app/fetch without a net:fetch grant reaches nothing', async () => {
    httpHits = [];
    const { replies, run } = await fetcherSession('org.weft.hostile.fetchnogrant', [`http://127.0.0.1:${httpPort}/nogrant`]);
    // Either the runtime refuses to load the app, or every fetch comes back as an error.
    const refusedAtLoad = run.code === 125 && /fetch|capabilit|grant/i.test(run.stderr);
    const refusedPerCall = replies.length === 1 && /"error"/.test(replies[0]!);
    expect(refusedAtLoad || refusedPerCall, `exit ${run.code}, stderr ${run.stderr}, replies ${JSON.stringify(replies)}`).toBe(true);
    expect(httpHits).toEqual([]);
  });

  it('a net:fetch:127.0.0.1 grant reaches 127.0.0.1 but no other host name', async () => {
    httpHits = [];
    const { replies } = await fetcherSession('org.weft.test.fetcher', [`http://localhost:${httpPort}/other-host`, `http://127.0.0.1:${httpPort}/granted`]);
    expect(replies).toHaveLength(2);
    expect(JSON.parse(replies[0]!)).toHaveProperty('error');
    expect(JSON.parse(replies[1]!)).toMatchObject({ status: 200, body: 'secret-body' });
    expect(httpHits).toEqual([`127.0.0.1:${httpPort}/granted`]);
  });
});
