// weft:app/ipc over a real Unix socket: round trips, non-blocking recv, the size cap, the app's last messages outliving it, and the session ending when the socket closes.
import { setTimeout as sleep } from 'node:timers/promises';
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settleSocket } from '../../src/runtime/factors/ipc.js';
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
    await sleep(500);
    expect(pidRunning(running.child.pid!)).toBe(true);
    server.send('late');
    expect(await server.waitLines(1)).toEqual(['late']);
    running.child.kill('SIGTERM');
    await running.done;
    await server.close();
  });

  it('a message that arrives while the app sleeps idle is answered', async () => {
    // After ~0.1 s without messages the apps sleep 50 ms between polls; the runtime ends such a
    // sleep when a message arrives. How fast that is is a figure of `npm run bench`
    // (ipc.idle_wake_rtt); here: each message sent into the slow phase gets its reply, in order.
    const server = await startIpcServer(join(home.root, 'echo-wake.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    await server.connected();
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(170); // back in the slow phase each time
      sent.push(`wake-${i}`);
      server.send(`wake-${i}`);
      expect(await server.waitLines(sent.length)).toEqual(sent);
    }
    running.child.kill('SIGTERM');
    await running.done;
    await server.close();
  });

  it('ends the session (129) when weft-appd closes the socket', async () => {
    const server = await startIpcServer(join(home.root, 'echo-close.sock'));
    const id = installFixture(home, 'echo');
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    await running.waitFor('READY\n');
    (await server.connected()).destroy();
    await waitGone(running.child.pid!);
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

  it('delivers every message an exiting app sent, even when weft-appd is slow to read them', async () => {
    // The app sends 1 MiB + 5 bytes and exits at once; the reader starts reading only well after
    // the runtime's old fixed flush window (500 ms) had passed and the process had exited.
    const server = await startIpcServer(join(home.root, 'slow-reader.sock'), { pauseOnConnect: true });
    const id = installModule(home, 'org.test.ipcslow', await buildC('ipc-limits', { world: 'import notify; import ipc;' }));
    const running = startRuntime(home, [id, '1', '--ipc-socket', server.path]);
    const peer = await server.connected();
    await running.waitFor('SEND small ok\n');
    await sleep(1500);
    peer.resume();
    const lines = await server.waitLines(2);
    expect(lines.map((l) => l.length)).toEqual([1024 * 1024, 4]);
    expect((await running.done).code).toBe(0);
    await server.close();
  });

  it('without --ipc-socket, send() returns an error result instead of failing', async () => {
    const id = installModule(home, 'org.test.ipcnone', await buildC('ipc-limits', { world: 'import notify; import ipc;' }));
    const result = await runRuntime(home, [id, '1']);
    expect(result.stdout).toMatch(/^SEND small err no IPC channel/m);
    expect(result.code).toBe(0);
  });
});

describe('settling the IPC socket after the app ended', () => {
  it('gives up on a reader that reads nothing, saying how many bytes were lost', async () => {
    const accepted: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (socket) => accepted.push(socket));
    const path = join(home.root, 'stalled.sock');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = createConnection(path);
    await once(client, 'connect');
    client.write('x'.repeat(4 * 1024 * 1024)); // far beyond what the kernel buffers for an unread socket
    const warnings: string[] = [];
    await settleSocket(client, 300, (message) => warnings.push(message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^ipc: \d+ bytes the app sent were not delivered: weft-appd read none of them for 300 ms$/);
    client.destroy();
    for (const socket of accepted) socket.destroy(); // paused, it would never see the end and keep the server open
    await new Promise((resolve) => server.close(resolve));
  });

  it('resolves at once when nothing is queued', async () => {
    const server = createServer(() => {});
    const path = join(home.root, 'idle.sock');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = createConnection(path);
    await once(client, 'connect');
    const warnings: string[] = [];
    await settleSocket(client, 300, (message) => warnings.push(message));
    expect(warnings).toEqual([]);
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});

