// Frames have deadlines: 200 clients that each send 4 MiB − 1 byte of a 4 MiB frame and stop cannot make appd hold their memory, and appd keeps answering.
import { createConnection, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../src/protocol/frame.js';
import { appdSuiteForFile } from './helpers/appd-suite.js';
import { rssBytes } from '../support/processes.js';

const MIB = 1024 * 1024;
const CLIENTS = 200;
/** The bound this suite states: appd's RSS grows by less than this while 200 clients hold half frames (the shared cap is 64 MiB). */
const RSS_GROWTH_BOUND = 160 * MIB;

function connectTo(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends the length prefix of a maximum frame and all of its body but the last byte. */
function sendHalfFrame(socket: Socket): Promise<void> {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(MAX_FRAME_BYTES, 0);
  return new Promise((resolve) => socket.write(Buffer.concat([head, Buffer.alloc(MAX_FRAME_BYTES - 1, 0x90)]), () => resolve()));
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('half-sent frames', () => {
  const { appd, watcher } = appdSuiteForFile('half-frames', [], {
    env: { WEFT_MAX_CLIENTS: '512', WEFT_FRAME_DEADLINE_MS: '3000' },
  });

  it(`${CLIENTS} clients with a 4 MiB − 1 byte half frame each: appd drops them (cap, then deadline), stays within ${RSS_GROWTH_BOUND / MIB} MiB and keeps answering`, async () => {
    const path = appd.socketPath;
    const before = rssBytes(appd.pid) ?? 0;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(appd.pid) ?? 0)), 50);
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const socket = await connectTo(path);
        socket.on('error', () => {});
        sockets.push(socket);
        void sendHalfFrame(socket);
      }
      // Meanwhile a well-behaved client is answered.
      expect(await watcher.request({ type: 'QUERY_STATUS' })).toMatchObject({ type: 'DAEMON_STATUS' });
      // Every half-frame client is gone: dropped at the cap at once, or at the 3 s deadline.
      await Promise.all(sockets.map(closed));
      expect(await watcher.request({ type: 'QUERY_STATUS' })).toMatchObject({ type: 'DAEMON_STATUS' });
    } finally {
      clearInterval(sampler);
      for (const s of sockets) s.destroy();
    }
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND);
    const drops = appd.logs.filter((l) => String(l.msg).startsWith('dropping a client'));
    expect(drops.some((l) => String(l.msg).includes('passed the cap'))).toBe(true);
    expect(drops.some((l) => String(l.msg).includes('did not complete within 3000 ms'))).toBe(true);
  });
});
