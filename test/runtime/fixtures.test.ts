// The fixture apps under weft-runtime do what their sources say: output, exit codes, traps with backtraces, missing entry points, wasip2 shape.
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWat } from './helpers/build.js';
import { homeForSuite, installFixture, installModule, runRuntime, startRuntime } from './helpers/harness.js';
import { startIpcServer, type IpcServer } from './helpers/ipc-server.js';

const home = homeForSuite();

describe('preview1 fixtures', () => {
  it('hello prints its line, after READY, and exits 0', async () => {
    const id = installFixture(home, 'hello');
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('READY\nhello from weft\n');
  });

  it('exit-code keeps its exit status (7), not the adapter\'s 1', async () => {
    const id = installFixture(home, 'exit-code');
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toContain('exiting with code 7');
    expect(result.code).toBe(7);
  });

  it('trap exits 134 with a one-line reason and the wasm backtrace naming the trapping function', async () => {
    const id = installFixture(home, 'trap');
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(134);
    expect(result.stdout).toContain('about to trap');
    const lines = result.stderr.trim().split('\n');
    expect(lines.find((l) => l.startsWith('weft-runtime: trap: '))).toMatch(/unreachable/);
    expect(result.stderr).toMatch(/at weft_trap_here \(wasm:\/\//);
    expect(result.stderr).toMatch(/at __original_main/);
  });
});

describe('missing entry point', () => {
  it('a core module without _start exits 126', async () => {
    const id = installModule(home, 'org.test.nostart', await parse('(module (memory (export "memory") 1) (func (export "main")))'));
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(126);
    expect(result.stdout).not.toContain('READY');
    expect(result.stderr).toMatch(/^weft-runtime: missing entry point: .*_start/m);
  });

  it('a component without wasi:cli/run exits 126', async () => {
    // A component with an import and an export of its own, but no wasi:cli/run.
    const component = await buildWat('(module (import "weft:app/notify@0.1.0" "ready" (func)) (func (export "helper")))', { world: 'import notify;', adapter: false });
    const id = installModule(home, 'org.test.norun', component);
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(126);
    expect(result.stderr).toMatch(/^weft-runtime: missing entry point: .*wasi:cli\/run/m);
  });
});

describe('a component whose wasi:cli/run returns err', () => {
  it('exits 1, as a failed WASI command', async () => {
    const { componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const core = await parse(`(module
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "wasi:cli/run@0.2.0#run") (result i32) (i32.const 1)))`);
    const witSource = 'package wasi:cli@0.2.0;\ninterface run { run: func() -> result; }\nworld command { export run; }\n';
    const component = await componentNew(await componentEmbed({ binary: core, witSource, world: 'command' }), []);
    const result = await runRuntime(home, [installModule(home, 'org.test.runerr', component), '1']);
    expect(result.stdout).toBe('READY\n');
    expect(result.code).toBe(1);
  });
});

describe('one interface imported at two WASI 0.2.x versions', () => {
  it('both versions are served (by the same sandboxed implementation)', async () => {
    const { componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const witSource = `package test:app;
package wasi:cli@0.2.0 { interface environment { get-arguments: func() -> list<string>; } interface run { run: func() -> result; } }
package wasi:cli@0.2.3 { interface environment { get-arguments: func() -> list<string>; } }
world w { import wasi:cli/environment@0.2.0; import wasi:cli/environment@0.2.3; export wasi:cli/run@0.2.0; }`;
    // run() returns ok only if each version's get-arguments returned exactly one argument (the app id).
    const core = await parse(`(module
      (import "wasi:cli/environment@0.2.0" "get-arguments" (func $a (param i32)))
      (import "wasi:cli/environment@0.2.3" "get-arguments" (func $b (param i32)))
      (memory (export "memory") 1)
      (global $heap (mut i32) (i32.const 1024))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
        (local.set $r (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get 3))) (local.get $r))
      (func (export "wasi:cli/run@0.2.0#run") (result i32)
        (call $a (i32.const 0)) (call $b (i32.const 8))
        (i32.ne (i32.add (i32.load (i32.const 4)) (i32.load (i32.const 12))) (i32.const 2))))`);
    const component = await componentNew(await componentEmbed({ binary: core, witSource, world: 'w' }), []);
    const result = await runRuntime(home, [installModule(home, 'org.test.twoversions', component), '1']);
    expect(result.stderr).toMatch(/transpile/); // only the on-the-fly note
    expect(result.code).toBe(0);
  });
});

describe('wasip2-shaped component (no adapter, WASI 0.2.0 and 0.2.3 imports) runs unchanged', () => {
  let server: IpcServer;
  beforeAll(async () => {
    server = await startIpcServer(join(home.root, 'ipc-wasip2.sock'));
  });
  afterAll(() => server.close());

  it('answers ping, reports its args, and exits 0 on quit', async () => {
    const id = installFixture(home, 'wasip2-shaped');
    const running = startRuntime(home, [id, '9', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    server.send('ping');
    await server.waitLines(1, 5000);
    server.send('args');
    await server.waitLines(2, 5000);
    server.send('quit');
    const result = await running.done;
    expect(server.lines.slice(0, 2)).toEqual(['pong', `{"args":["${id}"]}`]);
    expect(result.code).toBe(0);
  });
});
