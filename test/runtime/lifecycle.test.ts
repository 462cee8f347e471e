// Session lifecycle: READY ordering, parent death (no orphans), SIGTERM, the memory limit, standby mode and warm mode (--warm <app>).
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pidRunning } from '../support/processes.js';
import { buildC, hasClang } from './helpers/build.js';
import { homeForSuite, installFixture, installModule, runRuntime, RUNTIME, startRuntime, waitGone } from './helpers/harness.js';

const home = homeForSuite();

describe('READY', () => {
  it('without a notify import: printed just before the entry point, so before any app output', async () => {
    const result = await runRuntime(home, [installFixture(home, 'hello'), '1']);
    expect(result.stdout.indexOf('READY\n')).toBe(0);
  });

  it.skipIf(!hasClang)('with a notify import: printed when the app calls ready(), not before', async () => {
    const id = installModule(home, 'org.test.readyorder', await buildC('ready-order', { world: 'import notify;' }));
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toBe('before-ready\nREADY\nafter-ready\n');
    expect(result.code).toBe(0);
  });

  it.skipIf(!hasClang)('a component linked with weft_app.c keeps its first buffered stdout write', async () => {
    // weft_app.c's first weft_* call makes one WASI call, so the adapter does not initialise inside the first printf.
    const id = installModule(home, 'org.test.stdoutfirst', await buildC('stdout-first', { world: 'import notify;' }));
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toBe('READY\nfirst line\nsecond line\n');
    expect(result.code).toBe(0);
  });

  it('an app that imports notify but never calls ready() never gets READY', async () => {
    const running = startRuntime(home, [installFixture(home, 'stall'), '1']);
    await sleep(2000);
    expect(running.stdout()).not.toContain('READY');
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(143);
  });
});

describe('no orphans: the runtime goes when its parent does', () => {
  it.each(['hang', 'spin'])('%s: EOF on stdin ends it', async (fixture) => {
    const running = startRuntime(home, [installFixture(home, fixture), '1']);
    await running.waitFor('READY\n');
    running.child.stdin.end();
    await waitGone(running.child.pid!);
    const result = await running.done;
    expect(result.code).toBe(129);
    expect(result.stderr).toMatch(/stdin closed/);
  });

  it('killing the parent (SIGKILL) ends it', async () => {
    const id = installFixture(home, 'spin');
    // A stand-in weft-appd: spawns the runtime with a stdin pipe it holds, reports the pid, then is killed.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(RUNTIME)}, ${JSON.stringify(id)}, '1'], { stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdout.on('data', (d) => { if (String(d).includes('READY')) console.log('PID ' + child.pid); });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], { env: home.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        const match = /PID (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      parent.on('exit', () => reject(new Error(`parent exited early: ${out}`)));
    });
    expect(pidRunning(pid)).toBe(true);
    parent.kill('SIGKILL');
    await waitGone(pid);
  });
});

describe('signals', () => {
  it.each(['hang', 'spin'])('%s: SIGTERM ends the app with 143', async (fixture) => {
    const running = startRuntime(home, [installFixture(home, fixture), '1']);
    await running.waitFor('READY\n');
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.code).toBe(143);
  });
});

describe('linear-memory limit', () => {
  it('memhog hits its wasm_memory_max_mb and exits 137 with the memory-limit message', async () => {
    const id = installFixture(home, 'memhog', (toml) => toml.replace(/^wasm_memory_max_mb\s*=\s*\d+$/m, 'wasm_memory_max_mb = 32'));
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toMatch(/memhog: out of memory after 3\d MiB/);
    expect(result.stderr).toContain('weft-runtime: memory-limit: linear memory reached its 32 MiB limit ([limits] wasm_memory_max_mb)');
    expect(result.code).toBe(137);
  });

  it('a module that needs more memory at start than the limit allows is refused with 137', async () => {
    const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const id = installModule(home, 'org.test.bigstart', await parse('(module (memory (export "memory") 100) (func (export "_start")))'), {
      extraToml: '\n[limits]\nwasm_memory_max_mb = 4\n',
    });
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(137);
    expect(result.stderr).toMatch(/memory-limit: the module needs 6\.25 MiB of linear memory at start, above its 4 MiB limit/);
  });
});

describe('standby', () => {
  it('prints STANDBY, then runs the session given as one JSON line on stdin', async () => {
    const id = installFixture(home, 'exit-code');
    const running = startRuntime(home, ['--standby']);
    await running.waitFor('STANDBY\n');
    running.child.stdin.write(`${JSON.stringify({ argv: [id, '7'] })}\n`);
    const result = await running.done;
    expect(result.stdout).toBe('STANDBY\nREADY\nexiting with code 7\n');
    expect(result.code).toBe(7);
  });

  it('accepts the session line even when it arrives before STANDBY', async () => {
    const id = installFixture(home, 'hello');
    const running = startRuntime(home, ['--standby']);
    running.child.stdin.write(`${JSON.stringify({ argv: [id, '3'] })}\n`);
    const result = await running.done;
    expect(result.stdout).toBe('STANDBY\nREADY\nhello from weft\n');
    expect(result.code).toBe(0);
  });

  it('prints STANDBY even when the wasm thread finished booting before main.js was loaded', async () => {
    // main.js held back 400 ms by a module hook: the wasm thread's 'booted' message comes first. It
    // used to be dropped (nobody listened yet) and the standby never printed STANDBY.
    const id = installFixture(home, 'hello');
    const hook = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'late-main.mjs')).href;
    const running = startRuntime(home, ['--standby'], { env: { NODE_OPTIONS: `--import=${hook}` } });
    await running.waitFor('STANDBY\n', 10_000);
    running.child.stdin.write(`${JSON.stringify({ argv: [id, '3'] })}\n`);
    const result = await running.done;
    expect(result.stdout).toBe('STANDBY\nREADY\nhello from weft\n');
    expect(result.code).toBe(0);
  });

  it('keeps stdin as the parent-death pipe after the session line', async () => {
    const running = startRuntime(home, ['--standby']);
    await running.waitFor('STANDBY\n');
    running.child.stdin.write(`${JSON.stringify({ argv: [installFixture(home, 'hang'), '1'] })}\n`);
    await running.waitFor('READY\n');
    running.child.stdin.end();
    await waitGone(running.child.pid!);
    expect((await running.done).code).toBe(129);
  });

  it('exits when the parent goes before sending a session', async () => {
    const running = startRuntime(home, ['--standby']);
    await running.waitFor('STANDBY\n');
    running.child.stdin.end();
    await waitGone(running.child.pid!);
  });

  it('rejects a malformed session line with a usage error (2)', async () => {
    const running = startRuntime(home, ['--standby']);
    await running.waitFor('STANDBY\n');
    running.child.stdin.write('not json\n');
    const result = await running.done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/standby: the session line is not JSON/);
  });
});

describe('warm (--warm <app>): the app prepared, none of it run, then only that app\'s session', () => {
  it('prints STANDBY without running the app, then runs the session of that app as a cold start does', async () => {
    const id = installFixture(home, 'exit-code');
    const running = startRuntime(home, ['--warm', id], { env: { WEFT_RUNTIME_TRACE: '1' } });
    await running.waitFor('STANDBY\n', 20_000);
    await sleep(300);
    // Prepared, not run: the app prints on its first line of main, and nothing came.
    expect(running.stdout()).toBe('STANDBY\n');
    // The glue and the building of imports were rehearsed (no core module instantiated) before STANDBY.
    expect(running.stderr()).toContain('wasm: glue rehearsed');
    expect(running.stderr()).toContain('wasm: imports rehearsed');
    expect(running.stderr()).toContain('main: connect rehearsed');
    expect(running.stderr()).not.toMatch(/rehearsal failed|wasm: instantiated/);
    running.child.stdin.write(`${JSON.stringify({ argv: [id, '7'] })}\n`);
    const result = await running.done;
    expect(result.stdout).toBe('STANDBY\nREADY\nexiting with code 7\n');
    expect(result.code).toBe(7);
  });

  it('refuses a session of another app with a usage error (2), running neither', async () => {
    const warmFor = installFixture(home, 'hello');
    const other = installFixture(home, 'exit-code');
    const running = startRuntime(home, ['--warm', warmFor]);
    await running.waitFor('STANDBY\n', 20_000);
    running.child.stdin.write(`${JSON.stringify({ argv: [other, '7'] })}\n`);
    const result = await running.done;
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('STANDBY\n');
    expect(result.stderr).toContain(`this warm runtime holds ${warmFor}, not ${other}`);
  });

  it('an app that cannot load ends the warm runtime before STANDBY, with the load error', async () => {
    const result = await runRuntime(home, ['--warm', 'org.weft.test.not-installed']);
    expect(result.stdout).toBe('');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/warm: .*org\.weft\.test\.not-installed/);
  });
});
