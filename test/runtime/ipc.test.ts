// weft:app/ipc over a real Unix socket: round trips, non-blocking recv, the size cap, and the session ending when the socket closes.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidRunning } from '../support/processes.js';
import { buildC, hasClang } from './helpers/build.js';
import { homeForSuite, installFixture, installModule, runRuntime, startRuntime, waitGone } from './helpers/harness.js';
import { startIpcServer } from './helpers/ipc-server.js';

const home = homeForSuite();

describe('echo fixture', () => {
  it('echoes every message byte for byte, in order, including non-ASCII text', async () => {
    const server = await startIpcServer(join(home.root, 'echo.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    await server.connected();
    const messages = ['one', 'two words', 'ünïcödé ✓', '{"json":true}', 'x'.repeat(100_000)];
    for (const message of messages) server.send(message);
    expect(await server.waitLines(messages.length)).toEqual(messages);
    running.child.kill('SIGTERM');
    expect((await running.done).code).toBe(143);
    await server.close();
  });

  it('keeps running with nothing queued: recv() returns none without blocking', async () => {
    const server = await startIpcServer(join(home.root, 'echo-idle.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    await new Promise((r) => setTimeout(r, 500));
    expect(pidRunning(running.child.pid!)).toBe(true);
    server.send('late');
    expect(await server.waitLines(1)).toEqual(['late']);
    running.child.kill('SIGTERM');
    await running.done;
    await server.close();
  });

  it('a message that arrives while the app sleeps idle wakes it: answered without waiting out the sleep', async () => {
    // After ~0.1 s without messages the apps sleep 50 ms between polls; the runtime ends such a
    // sleep when a message arrives, so replies come in well under the sleep's length.
    const server = await startIpcServer(join(home.root, 'echo-wake.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    const peer = await server.connected();
    await new Promise((r) => setTimeout(r, 600));
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      await new Promise((r) => setTimeout(r, 170)); // back in the slow phase each time
      const sent = performance.now();
      const reply = new Promise((resolve) => peer.once('data', resolve));
      server.send(`wake-${i}`);
      await reply;
      times.push(performance.now() - sent);
    }
    times.sort((a, b) => a - b);
    expect(times[4]).toBeLessThan(10); // without the wake-up: ~25 ms on average
    running.child.kill('SIGTERM');
    await running.done;
    await server.close();
  });

  it('ends the session (129) within 2 s when weft-appd closes the socket', async () => {
    const server = await startIpcServer(join(home.root, 'echo-close.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    (await server.connected()).destroy();
    await waitGone(running.child.pid!, 2000);
    const result = await running.done;
    expect(result.code).toBe(129);
    expect(result.stderr).toMatch(/IPC socket closed/);
    await server.close();
  });
});

describe('connection problems', () => {
  it('a socket nobody listens on is a load failure (125)', async () => {
    const id = installFixture(home, 'echo');
    const result = await runRuntime(home, [id, '1', '--ipc-socket', join(home.root, 'nobody.sock')]);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/cannot connect to the IPC socket .*nobody\.sock: ENOENT/);
  });
});

describe.skipIf(!hasClang)('send() limits', () => {
  it('refuses over-cap payloads and newlines with an error result; sends the rest', async () => {
    const server = await startIpcServer(join(home.root, 'limits.sock'));
    const id = installModule(home, 'org.test.ipclimits', await buildC('ipc-limits', { world: 'import notify; import ipc;' }));
    const result = await runRuntime(home, [id, '1', '--ipc-socket', server.path]);
    expect(result.stdout).toMatch(/^SEND over-cap err the payload is 1048577 bytes; the limit is 1048576$/m);
    expect(result.stdout).toMatch(/^SEND at-cap ok$/m);
    expect(result.stdout).toMatch(/^SEND newline err .*newline/m);
    expect(result.stdout).toMatch(/^SEND small ok$/m);
    const lines = await server.waitLines(2);
    expect(lines.map((l) => l.length)).toEqual([1024 * 1024, 4]);
    expect(result.code).toBe(0);
    await server.close();
  });

  it('without --ipc-socket, send() returns an error result instead of failing', async () => {
    const id = installModule(home, 'org.test.ipcnone', await buildC('ipc-limits', { world: 'import notify; import ipc;' }));
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toMatch(/^SEND small err no IPC channel/m);
    expect(result.code).toBe(0);
  });
});
