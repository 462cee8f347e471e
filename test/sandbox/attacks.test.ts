// The filesystem attacks that beat the path-string guard, as a C app run through weft-appd: each held by both layers, by the kernel layer alone and by the JS layer alone.
import { mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appdSuiteForFile } from '../hostile/helpers/appd-suite.js';
import type { Sandbox } from '../hostile/helpers/sandbox.js';
import { buildC, hasClang } from '../runtime/helpers/build.js';
import { bwrapWorks } from './helpers/bwrap.js';

const APP_ID = 'org.weft.test.attack';
const MANIFEST = `[package]
id = "${APP_ID}"
name = "Attack"
version = "1.0.0"
description = "Test fixture: filesystem attacks on the sandbox"
author = "weft"
capabilities = ["fs:rw:app-data"]

[runtime]
module = "app.wasm"
`;

/** The three ways the suite runs: both layers (the default), the kernel alone, the JS guard alone. */
const LAYERS = [
  { name: 'both layers', env: {} },
  { name: 'the kernel layer alone', env: { WEFT_UNSAFE_NO_JS_GUARD: '1' } },
  { name: 'the JS layer alone', env: { WEFT_SANDBOX: 'js-only' } },
] as const;

const missing = !hasClang ? 'clang-14 (wasm32-wasi)' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the sandbox attack suite needs ${missing}; .ci/run installs it`);

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** Host files the attacks aim at: beside the data dir (where `/data/..` leads on the host). */
function plantSecrets(sandbox: Sandbox): { data: string; outside: string } {
  const data = sandbox.appData(APP_ID);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const outside = dirname(data);
  writeFileSync(join(outside, 'secret-read'), 'host-secret-1f2e\n');
  writeFileSync(join(dirname(outside), 'secret-read'), 'host-secret-1f2e\n');
  return { data, outside };
}

/** Everything named secret-* outside the data dir except what the test planted. */
function createdOutside(outside: string): string[] {
  const found: string[] = [];
  for (const dir of [outside, dirname(outside)]) {
    for (const name of readdirSync(dir)) if (name.startsWith('secret-') && name !== 'secret-read') found.push(join(dir, name));
  }
  return found;
}

for (const layer of LAYERS) {
  describe.skipIf(missing !== null)(`filesystem attacks through weft-appd, held by ${layer.name}`, () => {
    let paths: { data: string; outside: string };
    const { appd, watcher } = appdSuiteForFile(`attack-${LAYERS.indexOf(layer)}`, [], {
      prepare: async (box) => {
        mkdirSync(join(box.store, APP_ID), { recursive: true });
        writeFileSync(join(box.store, APP_ID, 'wapp.toml'), MANIFEST);
        writeFileSync(join(box.store, APP_ID, 'app.wasm'), await buildC('attack'));
        paths = plantSecrets(box);
      },
      env: { WEFT_LOG: 'info', ...layer.env },
    });

    async function run(mode: string, sessions = 1): Promise<string[]> {
      writeFileSync(join(paths.data, 'mode'), `${mode}\n`);
      const ids = await Promise.all(Array.from({ length: sessions }, () => watcher.launch(APP_ID)));
      const stops = await Promise.all(ids.map((id) => watcher.stopped(id, 60_000)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const stop of stops) expect(stop).toMatchObject({ reason: 'exited', exit_code: 0 });
      return appd.logs.filter((r) => ids.includes(r.session_id as number) && r.stream === 'stdout').map((r) => String(r.msg));
    }

    function expectHeld(lines: string[]): void {
      expect(lines).toContain('DONE');
      expect(lines.filter((l) => l.startsWith('LEAK'))).toEqual([]);
      expect(createdOutside(paths.outside)).toEqual([]);
    }

    it('a climbing symlink (a -> ., then a/a/../../x) reads, creates and lists nothing outside /data', async () => {
      const lines = await run('climb');
      expectHeld(lines);
      // The link itself is refused by the kernel (seccomp) and allowed by the JS guard (a target of "."): either way, every use of it is held.
      for (const what of ['climb-read', 'climb-read-deep', 'climb-create', 'climb-list']) expect(lines.some((l) => l.startsWith(`HELD ${what} `))).toBe(true);
    });

    it('a host program following anything the app left in /data stays inside it', async () => {
      const lines = await run('symlinks');
      expectHeld(lines);
      const data = realpathSync.native(paths.data);
      for (const name of readdirSync(paths.data)) {
        const path = join(paths.data, name);
        let real: string;
        try {
          real = realpathSync.native(path);
        } catch {
          continue; // dangling: a host program following it finds nothing
        }
        expect(isInside(data, real), `${name} leads to ${real}`).toBe(true);
      }
    });

    it('a directory handle whose path was swapped for a climbing link lists and creates nothing outside', async () => {
      expectHeld(await run('dirhandle'));
    });

    it('two sessions racing link/rename through a flipping symlink in shared /data leak nothing', async () => {
      const lines = await run('pair', 2);
      expect(lines.some((l) => l.startsWith('FLIPPED'))).toBe(true);
      expect(lines).toContain('RACED');
      expectHeld(lines);
    });
  });
}
