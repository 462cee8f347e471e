// The weft-pack command line: --help everywhere, exit codes (0 ok, 1 failed, 2 usage), --json shapes, quiet stderr off a terminal.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, GOLDEN, runCli, workspaceForSuite } from './helpers.js';

const HELLO = join(GOLDEN, 'valid', 'core-hello', 'package');
const HELLO_ID = 'org.example.golden.hello';
const COMMANDS = ['check', 'info', 'install', 'uninstall', 'list', 'bundle', 'unbundle', 'generate-key', 'sign', 'verify'];

const { dir: work, env } = workspaceForSuite('cli', ensureBuilt);

describe('help and usage', () => {
  it('--help lists every command', async () => {
    const result = await runCli(['--help'], { env });
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`weft-pack ${command}`);
  });

  it.each(COMMANDS)('%s --help', async (command) => {
    const result = await runCli([command, '--help'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`weft-pack ${command}`);
    expect(result.stdout).toContain('--json');
  });

  it.each([
    [[], /give a command/],
    [['frobnicate'], /Unknown argument: frobnicate/],
    [['check'], /Not enough non-option arguments/],
    [['check', HELLO, '--no-such-flag'], /Unknown argument/],
    [['sign', HELLO], /Missing required argument: key/],
    [['install', HELLO, '--trusted-key'], /Not enough arguments following: trusted-key/],
  ])('usage error %j exits 2', async (args, message) => {
    const result = await runCli(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Run weft-pack --help for usage.');
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('--json', () => {
  it('check: ok and failing documents', async () => {
    const ok = await runCli(['check', HELLO, '--json'], { env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, dir: HELLO, app_id: HELLO_ID, errors: 0, warnings: 0, problems: [] });
    expect(ok.stderr).toBe('');
    const bad = await runCli(['check', join(GOLDEN, 'invalid', 'bad-id'), '--json'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('');
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, errors: 1, problems: [{ severity: 'error', where: 'package.id' }] });
  });

  it('install, list, info <id>, uninstall; failures as {ok:false,error}', async () => {
    const store = join(work, 'store');
    const installed = await runCli(['install', HELLO, '--store', store, '--json'], { env });
    expect(installed.code, installed.stderr).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ ok: true, app_id: HELLO_ID, version: '1.0.0', root: store, replaced: false, record: { app_id: HELLO_ID } });

    const again = await runCli(['install', HELLO, '--store', store, '--json'], { env });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'ALREADY_INSTALLED' } });

    const list = await runCli(['list', '--store', store, '--json'], { env });
    expect(JSON.parse(list.stdout)).toMatchObject([{ app_id: HELLO_ID, version: '1.0.0', name: 'Golden Hello', installed_by_weft: true }]);

    const info = await runCli(['info', HELLO_ID, '--store', store, '--json'], { env });
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ app_id: HELLO_ID, installed: { root: store, precompiled: true } });

    const removed = await runCli(['uninstall', HELLO_ID, '--store', store, '--json'], { env });
    expect(JSON.parse(removed.stdout)).toEqual({ ok: true, app_id: HELLO_ID, root: store, removed: 'link' });
    const gone = await runCli(['uninstall', HELLO_ID, '--store', store, '--json'], { env });
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ ok: false, error: { code: 'NOT_INSTALLED' } });
  });
});

describe('text output', () => {
  it('install says what it did on stdout and prints no progress when stderr is not a terminal', async () => {
    const result = await runCli(['install', HELLO, '--store', join(work, 'quiet-store')], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^installed ${HELLO_ID.replace(/\./g, '\\.')} 1\\.0\\.0 into .* \\(precompiled, \\d+ ms\\)\\n$`));
    expect(result.stderr).toBe('');
  });

  it('uses $WEFT_APP_STORE when --store is not given', async () => {
    const store = join(work, 'env-store');
    const result = await runCli(['install', HELLO], { env: { ...env, WEFT_APP_STORE: store } });
    expect(result.code, result.stderr).toBe(0);
    const list = await runCli(['list'], { env: { ...env, WEFT_APP_STORE: store } });
    expect(list.stdout).toMatch(new RegExp(`^${HELLO_ID.replace(/\./g, '\\.')} +1\\.0\\.0 +Golden Hello`));
  });

  it('defaults to ~/.local/share/weft/apps (inside the test HOME)', async () => {
    const result = await runCli(['install', HELLO, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).root).toBe(join(String(env.XDG_DATA_HOME), 'weft', 'apps'));
  });

  it('info on something that is neither a directory nor an app id', async () => {
    const result = await runCli(['info', 'no/such/thing'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('weft-pack: no/such/thing is neither a package directory nor an app id\n');
  });

  it('install from a path that does not exist', async () => {
    const result = await runCli(['install', join(work, 'missing')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not exist; give a package directory or a .app.tar.zst bundle');
  });
});
