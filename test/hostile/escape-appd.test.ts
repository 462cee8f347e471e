// The sandbox escape corpus launched through weft-appd (LAUNCH_APP, app output read from appd's log): every route denied.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_DUMP_ID } from './corpus/apps.js';
import { ESCAPE_ROUTES, routeVerdicts } from './corpus/escape-routes.js';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { plantEscapeWorld, READ_ONLY_FILES_ID, seedReadOnlyAppData } from './helpers/escape-world.js';
import { record } from './helpers/results.js';
import { snapshot } from './helpers/tree.js';
import type { Event } from './helpers/watcher.js';

const SECRET = 'hostile-appd-secret-51c0de';

interface SessionRun {
  lines: string[];
  stopped: Event;
}

let outside: string;
let escape: SessionRun;
const { sandbox, appd, watcher } = appdSuiteForFile('escape-appd', ['escape', 'net'], {
  prepare: async (sandbox) => {
    outside = await plantEscapeWorld(sandbox, SECRET);
    const data = sandbox.appData('org.weft.test.escape');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    symlinkSync(outside, join(data, 'planted'));
  },
  // WEFT_LOG=info: app output is forwarded to appd's log at info level. The secret sits in appd's own environment.
  env: { WEFT_LOG: 'info', WEFT_HOSTILE_SECRET: SECRET },
  ready: async () => {
    escape = await runThroughAppd('org.weft.test.escape');
  },
});

/** Launches `appId`, waits for its session to stop on its own, and returns the stdout lines appd logged for it. */
async function runThroughAppd(appId: string): Promise<SessionRun> {
  const id = await watcher.launch(appId);
  const stopped = await watcher.stopped(id, 60_000);
  // Output lines are logged before the exit is handled, but give the log pipe a moment to deliver them.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = appd.logs.filter((r) => r.session_id === id && r.stream === 'stdout').map((r) => String(r.msg));
  return { lines, stopped };
}

describe('weft-appd: every escape route out of /data is denied', () => {
  it('the escape session ran to its summary, found nothing open, and stopped with exit 0', () => {
    expect(escape.lines).toContain(`ESCAPE-SUMMARY denied=${ESCAPE_ROUTES.length} escaped=0`);
    expect(escape.stopped).toMatchObject({ state: 'stopped', reason: 'exited', exit_code: 0 });
    record('escape-appd', { verdicts: routeVerdicts(escape.lines) });
  });

  it.each(ESCAPE_ROUTES)('route %s is denied', (route) => {
    const verdict = routeVerdicts(escape.lines)[route];
    expect(verdict, `no ROUTE ${route} line in appd's log`).toBeDefined();
    expect(verdict).toMatch(/^DENIED E[A-Z]+$/);
  });

  it('the directory the planted link points to is untouched', () => {
    expect(snapshot(outside)).toEqual([expect.stringMatching(/^secret\.txt file 644 \d+ [0-9a-f]{64}$/)]);
  });
});

describe('weft-appd: grants are enforced', () => {
  it('a read-only grant (fs:read:app-data) cannot write into /data', async () => {
    const { data, before } = seedReadOnlyAppData(sandbox);
    const run = await runThroughAppd(READ_ONLY_FILES_ID);
    expect(run.lines.join('\n')).toMatch(/^FAIL \S+ \/data\/hello\.txt: .*\((EROFS|EPERM|EACCES|ENOTCAPABLE|EBADF)\)$/m);
    expect(run.stopped).toMatchObject({ reason: 'exited' });
    expect(run.stopped.type === 'APP_STATE' && run.stopped.exit_code).not.toBe(0);
    expect(snapshot(data)).toEqual(before);
  });

  it("the app sees none of appd's environment (a secret env var in appd does not leak)", async () => {
    const run = await runThroughAppd(ENV_DUMP_ID);
    expect(run.lines).toContain('ENV-BEGIN');
    expect(run.lines).toContain('ENV-END');
    expect(run.lines.join('\n')).not.toContain(SECRET);
    const seen = run.lines.slice(run.lines.indexOf('ENV-BEGIN') + 1, run.lines.indexOf('ENV-END'));
    for (const name of ['WEFT_HOSTILE_SECRET', 'PATH', 'HOME', 'WEFT_APP_STORE', 'XDG_RUNTIME_DIR']) {
      expect(seen.filter((line) => line.startsWith(`${name}=`))).toEqual([]);
    }
  });

  it('an app without a network grant has no network', async () => {
    const run = await runThroughAppd('org.weft.test.net');
    const routes = run.lines.filter((line) => line.startsWith('NET '));
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((line) => !/^NET \S+ DENIED E[A-Z]+$/.test(line))).toEqual([]);
    expect(run.lines.join('\n')).toMatch(/^NET-SUMMARY denied=\d+ allowed=0$/m);
  });
});
