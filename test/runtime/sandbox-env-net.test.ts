// The rest of the sandbox: env/args/stdin hold only what weft sets; no network without a grant; fetch only to allowed hosts, checked before any request.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildC, hasClang } from './helpers/build.js';
import { homeForSuite, installFixture, installModule, runRuntime, startRuntime } from './helpers/harness.js';
import { startIpcServer, type IpcServer } from './helpers/ipc-server.js';

const home = homeForSuite();

describe.skipIf(!hasClang)('environment, arguments and stdin', () => {
  it('the app sees WEFT_APP_ID and WEFT_SESSION_ID only, argv = [app id], and an empty stdin', async () => {
    const id = installModule(home, 'org.test.envargs', await buildC('env-args'));
    const result = await runRuntime(home, [id, '42']);
    expect(result.code).toBe(0);
    const env = [...result.stdout.matchAll(/^ENV (.*)$/gm)].map((m) => m[1]);
    expect(env).toEqual([`WEFT_APP_ID=${id}`, 'WEFT_SESSION_ID=42']);
    expect([...result.stdout.matchAll(/^ARG (.*)$/gm)].map((m) => m[1])).toEqual([id]);
    expect(result.stdout).toMatch(/^STDIN 0$/m); // EOF at once, although the runtime's own stdin is an open pipe
    expect(result.stdout).not.toContain('host-secret-value');
  });
});

describe('no network without a grant', () => {
  it('the net fixture finds every route denied', async () => {
    const id = installFixture(home, 'net');
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toMatch(/NET-SUMMARY denied=\d+ allowed=0/);
    expect(result.stdout).not.toMatch(/ALLOWED/);
    expect(result.code).toBe(0);
  });

  it('an app importing weft:app/fetch without net:fetch is refused at load (125), naming the import', async () => {
    const id = installFixture(home, 'fetcher', (toml) => toml.replace(/capabilities = \[[^\]]*\]/, 'capabilities = []'));
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/weft:app\/fetch.*not granted.*net:fetch/);
    expect(result.stdout).not.toContain('READY');
  });
});

describe('weft:app/fetch reaches allowed hosts only', () => {
  let http: HttpServer;
  let port: number;
  const requests: string[] = [];
  let ipc: IpcServer;

  beforeAll(async () => {
    http = createHttpServer((request, response) => {
      requests.push(`${request.headers.host} ${request.url}`);
      if (request.url === '/redirect-out') {
        response.writeHead(302, { location: `http://localhost:${port}/stolen` }).end();
      } else if (request.url === '/redirect-in') {
        response.writeHead(302, { location: '/ok' }).end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`served ${request.url}`);
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
    ipc = await startIpcServer(join(home.root, 'fetch-ipc.sock'));
  });
  afterAll(async () => {
    http.close();
    await ipc.close();
  });

  async function ask(url: string): Promise<Record<string, unknown>> {
    const before = ipc.lines.length;
    ipc.send(url);
    for (let i = 0; i < 400 && ipc.lines.length === before; i++) await new Promise((r) => setTimeout(r, 25));
    return JSON.parse(ipc.lines[before] ?? '{"error":"no reply"}') as Record<string, unknown>;
  }

  it('fetches from the granted host, refuses others without sending anything, and checks redirects', async () => {
    const id = installFixture(home, 'fetcher'); // grants net:fetch:127.0.0.1
    const running = startRuntime(home, [id, '1', '--ipc-socket', ipc.path]);
    await running.waitFor('READY\n');
    expect(await ask(`http://127.0.0.1:${port}/ok`)).toEqual({ status: 200, body: 'served /ok' });
    expect(await ask(`http://127.0.0.1:${port}/redirect-in`)).toEqual({ status: 200, body: 'served /ok' });

    const seen = requests.length;
    const denied = await ask(`http://localhost:${port}/secret`);
    expect(denied.error).toMatch(/localhost:\d+ is not an allowed host/);
    expect(requests.length).toBe(seen); // no request was made

    const redirected = await ask(`http://127.0.0.1:${port}/redirect-out`);
    expect(redirected.error).toMatch(/redirected to http:\/\/localhost:\d+\/stolen: .*not an allowed host/);
    expect(requests.slice(seen)).toEqual([`127.0.0.1:${port} /redirect-out`]);

    expect((await ask('file:///etc/passwd')).error).toMatch(/only http: and https:/);
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(143);
  });

  it('by address: net:fetch:localhost reaches the local server; a wildcard grant reaches neither localhost nor 127.0.0.1', async () => {
    const literal = installFixture(home, 'fetcher', (toml) => toml.replace('net:fetch:127.0.0.1', 'net:fetch:localhost'));
    const first = startRuntime(home, [literal, '1', '--ipc-socket', ipc.path]);
    await first.waitFor('READY\n');
    expect(await ask(`http://localhost:${port}/local`)).toEqual({ status: 200, body: 'served /local' });
    first.child.kill('SIGTERM');
    await first.done;

    const wildcard = installFixture(home, 'fetcher', (toml) => toml.replace('net:fetch:127.0.0.1', 'net:fetch:*'));
    const second = startRuntime(home, [wildcard, '2', '--ipc-socket', ipc.path]);
    await second.waitFor('READY\n');
    const seen = requests.length;
    expect((await ask(`http://localhost:${port}/secret`)).error).toMatch(/localhost resolves to 127\.0\.0\.1, which is a loopback .* address; a grant by name or wildcard does not reach such addresses/);
    expect((await ask(`http://127.0.0.1:${port}/secret`)).error).toMatch(/127\.0\.0\.1 is a loopback .*grant net:fetch:127\.0\.0\.1 literally/);
    expect(requests.length).toBe(seen);
    second.child.kill('SIGTERM');
    await second.done;
  });
});
