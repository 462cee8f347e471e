// Per-session IPC socket files: stale ones are removed (only ours, only when nothing listens), live ones and foreign files are
// never touched, a relay picks another name rather than fail, and a relay that cannot be set up leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_SOCKET_NAME, listeningUnixPaths, removeStaleIpcSockets } from '../../src/appd/session/ipc-sockets.js';
import { IpcRelay } from '../../src/appd/session/ipc-relay.js';

const chmodFailure = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    chmod: (...args: Parameters<typeof actual.chmod>) =>
      chmodFailure.on ? Promise.reject(Object.assign(new Error('EPERM: operation not permitted, chmod'), { code: 'EPERM' })) : actual.chmod(...args),
  };
});

/** A socket file nobody listens on: bound by a process that was then SIGKILLed (as appd leaves them). */
function staleSocket(path: string): void {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
  if (!existsSync(path)) throw new Error(`could not leave a stale socket at ${path}`);
}

function listen(path: string): Promise<{ server: Server; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve({ server, connections: () => count }));
  });
}

function connectOnce(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

const relayOptions = (sessionId: number) => ({ sessionId, maxBufferedBytes: 1024, onMessage: () => {} });

describe('IPC socket files', () => {
  let dir: string;
  const servers: Server[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-ipc-'));
  });
  afterEach(async () => {
    chmodFailure.on = false;
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees listening sockets in /proc/net/unix, and not connected ones', async () => {
    const path = join(dir, 'ipc-1.sock');
    const live = await listen(path);
    servers.push(live.server);
    await connectOnce(path);
    const listening = await listeningUnixPaths();
    expect(listening?.has(path)).toBe(true);
    staleSocket(join(dir, 'ipc-2.sock'));
    expect(listening?.has(join(dir, 'ipc-2.sock'))).toBe(false);
  });

  it('parses a /proc/net/unix table: listening entries with a path only', async () => {
    const table = join(dir, 'unix');
    writeFileSync(
      table,
      [
        'Num       RefCount Protocol Flags    Type St Inode Path',
        '0000000000000000: 00000002 00000000 00010000 0001 01 100 /run/user/1000/weft/ipc-1.sock',
        '0000000000000000: 00000003 00000000 00000000 0001 03 101 /run/user/1000/weft/ipc-1.sock',
        '0000000000000000: 00000003 00000000 00000000 0001 03 102 /run/user/1000/weft/ipc-2.sock',
        '0000000000000000: 00000002 00000000 00010000 0001 01 103 /tmp/with space.sock',
        '0000000000000000: 00000002 00000000 00010000 0001 01 104 @abstract',
        '0000000000000000: 00000003 00000000 00000000 0001 03 105',
        '',
      ].join('\n'),
    );
    expect(await listeningUnixPaths(table)).toEqual(new Set(['/run/user/1000/weft/ipc-1.sock', '/tmp/with space.sock']));
    expect(await listeningUnixPaths(join(dir, 'missing'))).toBeNull();
  });

  it('removes stale ipc sockets only: not live ones, not other names, not files that are not sockets', async () => {
    staleSocket(join(dir, 'ipc-3.sock'));
    staleSocket(join(dir, 'ipc-6-2.sock'));
    staleSocket(join(dir, 'other.sock'));
    const live = await listen(join(dir, 'ipc-4.sock'));
    servers.push(live.server);
    writeFileSync(join(dir, 'ipc-5.sock'), 'not a socket');
    mkdirSync(join(dir, 'ipc-7.sock'));
    expect((await removeStaleIpcSockets(dir)).sort()).toEqual(['ipc-3.sock', 'ipc-6-2.sock']);
    expect(readdirSync(dir).sort()).toEqual(['ipc-4.sock', 'ipc-5.sock', 'ipc-7.sock', 'other.sock']);
    // The live one still answers, and was not disturbed by a test connection.
    expect(live.connections()).toBe(0);
    await connectOnce(join(dir, 'ipc-4.sock'));
    expect(live.connections()).toBe(1);
    expect(IPC_SOCKET_NAME.test('ipc-12.sock') && IPC_SOCKET_NAME.test('ipc-12-3.sock') && !IPC_SOCKET_NAME.test('ipc-x.sock')).toBe(true);
  });

  it('a relay replaces a stale socket, and takes another name when a live one or a foreign file is in the way', async () => {
    staleSocket(join(dir, 'ipc-1.sock'));
    const first = await IpcRelay.open(dir, relayOptions(1));
    expect(first.path).toBe(join(dir, 'ipc-1.sock'));

    const live = await listen(join(dir, 'ipc-2.sock'));
    servers.push(live.server);
    const second = await IpcRelay.open(dir, relayOptions(2));
    expect(second.path).toBe(join(dir, 'ipc-2-1.sock'));
    await connectOnce(join(dir, 'ipc-2.sock'));
    expect(live.connections()).toBe(1);

    mkdirSync(join(dir, 'ipc-3.sock'));
    writeFileSync(join(dir, 'ipc-3-1.sock'), '');
    const third = await IpcRelay.open(dir, relayOptions(3));
    expect(third.path).toBe(join(dir, 'ipc-3-2.sock'));

    for (const relay of [first, second, third]) await relay.close();
    expect(readdirSync(dir).sort()).toEqual(['ipc-2.sock', 'ipc-3-1.sock', 'ipc-3.sock']);
  });

  it('a relay that fails after binding leaves no listening socket and no file behind', async () => {
    const pipes = () => process.getActiveResourcesInfo().filter((kind) => kind === 'PipeWrap').length;
    // Let the earlier tests' sockets finish closing first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = pipes();
    chmodFailure.on = true;
    await expect(IpcRelay.open(dir, relayOptions(1))).rejects.toThrow(/EPERM/);
    expect(pipes()).toBe(before);
    expect(readdirSync(dir)).toEqual([]);
  });
});
