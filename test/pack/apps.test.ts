// The real fixture apps in apps/<name> (when built): each passes check, installs, lists and uninstalls; timings are printed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, installApi, REPO, runCli, workspaceForSuite } from './helpers.js';

const appsDir = join(REPO, 'apps');
const apps = existsSync(appsDir) ? readdirSync(appsDir).filter((name) => existsSync(join(appsDir, name, 'wapp.toml')) && existsSync(join(appsDir, name, 'app.wasm'))).sort() : [];

const { dir: work, env } = workspaceForSuite('apps', ensureBuilt);
const store = join(work, 'store');

describe.skipIf(apps.length === 0)('real apps', () => {
  it.each(apps)('apps/%s: check passes with no warnings', async (app) => {
    const started = performance.now();
    const result = await runCli(['check', join(appsDir, app), '--strict'], { env });
    const ms = performance.now() - started;
    expect(result.code, result.stderr).toBe(0);
    console.log(`check apps/${app}: ${ms.toFixed(0)} ms (CLI process, wall)`);
  });

  it('all install (in-process API), list, and uninstall', async () => {
    const api = await installApi();
    const ids: string[] = [];
    for (const app of apps) {
      const started = performance.now();
      const result = await api.installPackage(join(appsDir, app), { root: store });
      console.log(`install apps/${app} (${result.record.module_kind}): ${(performance.now() - started).toFixed(0)} ms`);
      expect(result.record.precompiled).not.toBeNull();
      ids.push(result.appId);
    }
    const list = await runCli(['list', '--store', store, '--json'], { env });
    expect(JSON.parse(list.stdout).map((r: { app_id: string }) => r.app_id)).toEqual([...ids].sort());
    for (const id of ids) await api.uninstallPackage(id, { root: store });
    const empty = await runCli(['list', '--store', store, '--json'], { env });
    expect(JSON.parse(empty.stdout)).toEqual([]);
  });
});
