// weft:app@0.2.0 kv, config and log through the real runtime and weftctl processes: each denied without its capability, required secrets block launch, secrets stay out of logs and weftctl output, two sessions share the store.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homeForSuite, ROOT, runRuntime, startRuntime, type TestHome } from '../runtime/helpers/harness.js';
import { startIpcServer, type IpcServer } from '../runtime/helpers/ipc-server.js';

const home = homeForSuite();
const WEFTCTL = join(ROOT, 'dist/bin/weftctl.js');
const SECRET = 'sk-live-0123456789abcdef';
let sessions = 0;

/** Copies apps/caps into the store under `id`, with its manifest edited. */
function installCaps(id: string, edit: (toml: string) => string = (toml) => toml): string {
  const source = join(ROOT, 'apps', 'caps');
  const target = join(home.store, id);
  cpSync(source, target, { recursive: true, filter: (path) => !path.startsWith(join(source, 'src')) });
  writeFileSync(join(target, 'wapp.toml'), edit(readFileSync(join(source, 'wapp.toml'), 'utf8')).replace('id = "org.weft.demo.caps"', `id = "${id}"`));
  return id;
}

function weftctl(h: TestHome, args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [WEFTCTL, ...args], { env: { ...h.env, XDG_CONFIG_HOME: join(h.root, 'config') }, input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function envWithConfig(h: TestHome): NodeJS.ProcessEnv {
  return { XDG_CONFIG_HOME: join(h.root, 'config') };
}

/** Starts the caps app with an IPC socket; `ask` sends one command and resolves with its parsed reply. */
async function startCaps(h: TestHome, id: string) {
  const session = ++sessions;
  const server: IpcServer = await startIpcServer(join(h.root, `caps-${session}.sock`));
  const running = startRuntime(h, [id, String(session), '--ipc-socket', server.path], { env: envWithConfig(h) });
  await running.waitFor('READY\n');
  await server.connected();
  let answered = 0;
  return {
    running,
    async ask(command: string): Promise<unknown> {
      server.send(command);
      const lines = await server.waitLines(++answered);
      return JSON.parse(lines[answered - 1] as string);
    },
    async stop() {
      server.send('quit');
      const result = await running.done;
      await server.close();
      return result;
    },
  };
}

describe('caps demo app (weft:app@0.2.0)', () => {
  it('refuses to load without storage:kv, naming the capability', async () => {
    const id = installCaps('org.weft.test.capsnokv', (toml) => toml.replace('"storage:kv", ', ''));
    weftctl(home, ['config', 'set', id, 'api_key', SECRET]);
    const result = await runRuntime(home, [id, '90'], { env: envWithConfig(home) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('weft:app/kv: not granted; the manifest needs "storage:kv" in [package] capabilities');
  });

  it('refuses to load without config:read, naming the capability', async () => {
    const id = installCaps('org.weft.test.capsnocfg', (toml) => toml.replace(', "config:read"', ''));
    weftctl(home, ['config', 'set', id, 'api_key', SECRET]);
    const result = await runRuntime(home, [id, '91'], { env: envWithConfig(home) });
    expect(result.stderr).toContain('weft:app/config: not granted; the manifest needs "config:read" in [package] capabilities');
  });

  it('a required secret left unset blocks the launch with its name and the exact weftctl command', async () => {
    const id = installCaps('org.weft.test.capsunset');
    const result = await runRuntime(home, [id, '92'], { env: envWithConfig(home) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'org.weft.test.capsunset cannot start: required variable "api_key" (set it with `weftctl config set org.weft.test.capsunset api_key <value>`) has no value',
    );
  });

  it('serves kv, config and log; secrets are redacted in weftctl and the log; a second session sees the first one’s writes', async () => {
    const id = installCaps('org.weft.demo.caps');
    const set = weftctl(home, ['config', 'set', id, 'api_key'], `${SECRET}\n`);
    expect(set.code).toBe(0);
    const list = weftctl(home, ['config', 'list', id]);
    expect(list.stdout).toContain('[redacted]');
    expect(list.stdout + list.stderr + set.stdout + set.stderr).not.toContain(SECRET);
    expect(weftctl(home, ['config', 'set', id, 'nope', 'x']).stderr).toContain(`${id} has no variable "nope" in its [variables]; it declares: greeting, api_key`);

    const one = await startCaps(home, id);
    expect(await one.ask('set user/1 ünï')).toEqual({ ok: true });
    expect(await one.ask('set user/2 two')).toEqual({ ok: true });
    expect(await one.ask('set other x')).toEqual({ ok: true });
    expect(await one.ask('get user/1')).toEqual({ value: 'ünï' });
    expect(await one.ask('get missing')).toEqual({ value: null });
    expect(await one.ask('keys user/')).toEqual({ keys: ['user/1', 'user/2'] });
    expect(await one.ask('config greeting')).toEqual({ value: 'hello' });
    expect(await one.ask('config api_key')).toEqual({ value: SECRET });
    expect(await one.ask('config undeclared')).toEqual({ error: 'config: the manifest declares no variable "undeclared"; add it under [variables] in wapp.toml' });
    expect(await one.ask(`log token is ${SECRET}!`)).toEqual({ ok: true });

    const two = await startCaps(home, id);
    expect(await two.ask('get user/2')).toEqual({ value: 'two' });
    expect(await two.ask('del user/2')).toEqual({ ok: true });
    expect(await one.ask('get user/2')).toEqual({ value: null });

    const first = await one.stop();
    const second = await two.stop();
    expect(first.stderr).toContain('app-log {"level":"info","msg":"token is [redacted]!","fields":{"source":"caps"}}');
    expect(first.stderr + first.stdout + second.stderr + second.stdout).not.toContain(SECRET);
  });

  it('refuses a write past WEFT_KV_MAX_MB with the documented error', async () => {
    const id = installCaps('org.weft.test.capsquota');
    weftctl(home, ['config', 'set', id, 'api_key', 'k']);
    home.env.WEFT_KV_MAX_MB = '0.0001';
    try {
      const app = await startCaps(home, id);
      expect(await app.ask(`set a ${'x'.repeat(50)}`)).toEqual({ ok: true });
      expect(await app.ask(`set b ${'x'.repeat(80)}`)).toEqual({
        error: 'kv: quota exceeded: the store would hold 132 bytes of keys and values, over its 104-byte quota (WEFT_KV_MAX_MB); delete keys first',
      });
      await app.stop();
    } finally {
      delete home.env.WEFT_KV_MAX_MB;
    }
  });
});
