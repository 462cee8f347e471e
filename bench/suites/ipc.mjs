// Suite "ipc": IPC_FORWARD → IPC_MESSAGE round trip with the echo app (sequential p50/p99, pipelined msg/s, reply to an idle app) vs a plain Unix-socket echo.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Appd } from '../lib/appd.mjs';
import { figure } from '../lib/figure.mjs';
import { benchDir } from '../lib/paths.mjs';
import { stat } from '../lib/proc.mjs';
import { track } from '../lib/tracker.mjs';
import { summarize } from '../lib/stats.mjs';
import { installApps } from '../lib/workspace.mjs';

const WINDOW = 64;
/** Quiet time before each idle-wake message: the echo app has moved on to its slow poll (50 ms sleeps after ~0.1 s idle). */
const IDLE_GAP_MS = 170;
const payloadOf = (i) => `m${i}:`.padEnd(64, 'x');

/**
 * Drives an echo transport: send(payload) sends one message; onReply(cb) delivers echoed payloads in order.
 * Returns { rtt: summary (ms), perSecond: number, wake: summary (ms) } for `n` sequential, `m`
 * pipelined and `idle` messages each sent after IDLE_GAP_MS of quiet (the runtime ends an idle
 * app's sleep when a message arrives; without that wake-up such a reply takes ~25 ms on average).
 */
async function drive(transport, { warmup, n, m, idle }, cpuProbe = () => ({})) {
  const replies = [];
  let waiter = null;
  transport.onReply((payload) => {
    replies.push({ t: performance.now(), payload });
    if (waiter) {
      const w = waiter;
      waiter = null;
      w();
    }
  });
  const next = () =>
    replies.length
      ? replies.shift()
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('echo reply timed out (10 s)')), 10_000);
          waiter = () => {
            clearTimeout(timer);
            resolve(replies.shift());
          };
        });
  const rtts = [];
  for (let i = 0; i < warmup + n; i++) {
    const p = payloadOf(i);
    const t = performance.now();
    transport.send(p);
    const r = await next();
    if (r.payload !== p) throw new Error(`echo mismatch: sent ${p}, got ${r.payload}`);
    if (i >= warmup) rtts.push(r.t - t);
  }
  // pipelined: keep WINDOW messages in flight
  let sent = 0;
  let got = 0;
  const cpu0 = cpuProbe();
  const t0 = performance.now();
  while (got < m) {
    while (sent < m && sent - got < WINDOW) transport.send(payloadOf(sent++));
    const r = await next();
    if (r.payload !== payloadOf(got)) throw new Error(`pipelined echo out of order at ${got}: ${r.payload.slice(0, 20)}`);
    got++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuProbe();
  // CPU µs per message for each process involved in the pipelined phase: where the time goes
  const cpuPerMessageUs = Object.fromEntries(Object.keys(cpu1).map((k) => [k, Math.round(((cpu1[k] - cpu0[k]) * 1000) / m)]));
  const wakes = [];
  for (let i = 0; i < idle; i++) {
    await sleep(IDLE_GAP_MS);
    const p = payloadOf(m + i);
    const t = performance.now();
    transport.send(p);
    const r = await next();
    if (r.payload !== p) throw new Error(`idle echo mismatch: sent ${p}, got ${r.payload}`);
    wakes.push(r.t - t);
  }
  return { rtt: summarize(rtts), perSecond: Math.round(m / seconds), wake: summarize(wakes), cpu_us_per_message: cpuPerMessageUs };
}

async function weftTransport(appd, appId) {
  const l = await appd.launch(appId);
  const sid = l.sid;
  const errors = [];
  return {
    sid,
    mark: l.mark,
    errors,
    send(payload) {
      appd.client.request({ type: 'IPC_FORWARD', session_id: sid, payload }).then((r) => {
        if (r.type === 'ERROR') errors.push(r);
      });
    },
    onReply(cb) {
      appd.client.on('event', (e) => {
        if (e.type === 'IPC_MESSAGE' && e.session_id === sid) cb(e.payload);
      });
    },
  };
}

async function plainTransport(socketPath) {
  const server = spawn(process.execPath, [join(benchDir, 'baselines', 'echo-server.mjs'), socketPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  track(server.pid, 'echo-server');
  await new Promise((resolve, reject) => {
    server.stdout.once('data', resolve);
    server.once('exit', () => reject(new Error('echo server exited')));
  });
  const socket = createConnection(socketPath);
  await once(socket, 'connect');
  socket.setEncoding('utf8');
  return {
    server,
    socket,
    send(payload) {
      socket.write(`${payload}\n`);
    },
    onReply(cb) {
      let pending = '';
      socket.on('data', (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) cb(line);
      });
    },
    async close() {
      socket.destroy();
      server.stdin.end();
      await once(server, 'exit');
    },
  };
}

export async function run(ctx) {
  const opts = ctx.quick ? { warmup: 20, n: 100, m: 500, idle: 5 } : { warmup: 200, n: 2000, m: 10_000, idle: 30 };
  await installApps(ctx.ws, ['echo']);

  ctx.log('baseline: plain Unix-socket echo (child process)');
  const plain = await plainTransport(join(ctx.ws.base, 'echo-baseline.sock'));
  let base;
  try {
    base = await drive(plain, opts, () => ({ client: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000, server: stat(plain.server.pid)?.cpuMs ?? 0 }));
  } finally {
    await plain.close();
  }

  ctx.log('weft: IPC_FORWARD → IPC_MESSAGE with the echo app');
  const appd = await Appd.start(ctx.ws);
  let weft;
  let errors;
  try {
    const t = await weftTransport(appd, ctx.ws.appIds.echo);
    const runtime = (await appd.session(t.sid)).pid;
    weft = await drive(t, opts, () => ({
      client: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
      appd: stat(appd.pid)?.cpuMs ?? 0,
      runtime: stat(runtime)?.cpuMs ?? 0,
    }));
    errors = t.errors.length;
    await appd.terminate(t.sid, t.mark);
  } finally {
    await appd.stop();
  }

  const baseRtt = { id: 'plain', label: 'plain Unix-socket echo (newline-delimited)', summary: base.rtt };
  const rate = (x) => ({ n: 1, median: x, p95: null, p99: null, min: x, max: x, mean: x });
  const figures = [
    figure({ id: 'ipc.rtt', label: 'IPC round trip (echo), sequential', unit: 'ms', weft: weft.rtt, baselines: [baseRtt] }),
    figure({
      id: 'ipc.throughput',
      label: `IPC pipelined (${WINDOW} in flight), messages/s`,
      unit: 'msg/s',
      weft: rate(weft.perSecond),
      baselines: [{ id: 'plain', label: 'plain Unix-socket echo', summary: rate(base.perSecond) }],
      lowerIsBetter: false,
    }),
    figure({
      id: 'ipc.idle_wake_rtt',
      label: `IPC round trip (echo) after ${IDLE_GAP_MS} ms idle`,
      unit: 'ms',
      weft: weft.wake,
      baselines: [{ id: 'plain', label: 'plain Unix-socket echo, same gap', summary: base.wake }],
      note: 'the app sleeps 50 ms between polls when idle; a message ends the sleep (without that: ~25 ms)',
    }),
  ];
  return { figures, raw: { weft, plain: base, forward_errors: errors, options: { ...opts, window: WINDOW, payload_bytes: 64, idle_gap_ms: IDLE_GAP_MS } } };
}
