// Measures a running session of weft-runtime: idle CPU and RSS of a counter, IPC round trip with echo, launch→READY
// (cold, standby) and cpu-bench compute; several runtime checkouts interleaved so machine load hits each alike.
// usage: node test/runtime/measure-session.mjs [--rounds N] [--only idle,rtt,launch,compute] [--idle-s 5] [root...]
//   root: a weft checkout with dist/ built (default: this one), optionally `path@@NAME=value;NAME=value` to give its
//   runtimes extra environment. See docs/architecture/runtime.md, "Measurements".
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const here = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const [, value] = args.splice(at, 2);
  return value;
};
const rounds = Number(option('rounds', 5));
const only = new Set(option('only', 'idle,rtt,launch,compute').split(','));
const idleSeconds = Number(option('idle-s', 5));
const rttCount = Number(option('rtt-n', 1000));
const launchApps = option('launch-apps', 'counter').split(',');
const roots = args.length > 0 ? args : [here];
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const APPS = { counter: 'apps/counter', echo: 'apps/echo', cpubench: 'apps/cpu-bench', files: 'apps/files', hello: 'apps/hello' };
const setups = roots.map((spec, i) => {
  const [path, extra = ''] = spec.split('@@');
  const root = resolve(path);
  const home = mkdtempSync(join(tmpdir(), `weft-measure-${i}-`));
  const env = { ...process.env, ...Object.fromEntries(extra.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])), HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache'), WEFT_APP_STORE: join(home, 'store'), XDG_RUNTIME_DIR: home };
  const ids = {};
  for (const [name, dir] of Object.entries(APPS)) {
    // each checkout runs its own apps/ (their builds are part of what is measured)
    execFileSync(process.execPath, [join(root, 'dist/bin/weft-pack.js'), 'install', resolve(root, dir)], { env, stdio: 'ignore' });
    ids[name] = /^id\s*=\s*"([^"]+)"/m.exec(readFileSync(resolve(root, dir, 'wapp.toml'), 'utf8'))[1];
  }
  return { root: spec, home, env, ids, runtime: join(root, 'dist/bin/weft-runtime.js'), results: new Map() };
});

const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
};
const rssMib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const rollup = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]) / 1024;
const record = (setup, key, value) => {
  if (!setup.results.has(key)) setup.results.set(key, []);
  setup.results.get(key).push(value);
};

/** A one-connection IPC server; lines arrive through onLine. */
async function ipcServer(path) {
  let peer = null;
  let onLine = () => {};
  let connected;
  const whenConnected = new Promise((r) => (connected = r));
  const server = createServer((socket) => {
    peer = socket;
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) onLine(line);
    });
    socket.on('error', () => {});
    connected();
  });
  await new Promise((r) => server.listen(path, r));
  return {
    send: (line) => peer.write(`${line}\n`),
    onLine: (cb) => (onLine = cb),
    connected: () => whenConnected,
    close: () => {
      peer?.destroy();
      server.close();
    },
  };
}

/** Starts a session (cold, or through --standby); resolves at READY with { child, readyMs, exited }. */
function startSession(setup, argv, { standby = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, standby ? [setup.runtime, '--standby'] : [setup.runtime, ...argv], { env: setup.env, stdio: ['pipe', 'pipe', process.env.MEASURE_STDERR ? 'inherit' : 'ignore'] });
    const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal, at: performance.now() })));
    let t0 = performance.now();
    let out = '';
    let ready = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (standby && out.includes('STANDBY\n') && !out.includes('READY')) {
        out = out.replace('STANDBY\n', '');
        setTimeout(() => {
          t0 = performance.now();
          child.stdin.write(`${JSON.stringify({ argv })}\n`);
        }, 300);
        return;
      }
      if (!ready && /(^|\n)READY\n/.test(out)) {
        ready = true;
        resolvePromise({ child, readyMs: performance.now() - t0, readyAt: performance.now(), exited, output: () => out });
      }
    });
    child.on('exit', () => ready || reject(new Error(`${argv.join(' ')}: exited before READY: ${out}`)));
  });
}

async function stop(session) {
  session.child.kill('SIGTERM');
  session.child.stdin.end();
  await session.exited;
}

const PLAIN_ECHO = `const s = require('node:net').createConnection(process.argv[1]); s.setEncoding('utf8'); let b = '';
s.on('data', (c) => { b += c; const l = b.split('\\n'); b = l.pop(); for (const x of l) s.write(x + '\\n'); });`;

async function roundTrips(setup, server, label) {
    let waiter = null;
    server.onLine((line) => waiter?.(line));
    const roundTrip = (payload) =>
      new Promise((r) => {
        waiter = r;
        server.send(payload);
      });
    const times = [];
    for (let i = 0; i < 100 + rttCount; i++) {
      if (i % 100 === 0) await sleep(30 + (i % 300)); // some round trips start from the app's slow idle
      const payload = `m${i}:`.padEnd(64, 'x');
      const t = performance.now();
      if ((await roundTrip(payload)) !== payload) throw new Error('echo mismatch');
      if (i >= 100) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    record(setup, `${label}echo RTT median ms`, times[Math.floor(times.length / 2)]);
    record(setup, `${label}echo RTT p95 ms`, times[Math.floor(times.length * 0.95)]);
    // pipelined, 64 in flight
    const m = 5000;
    let got = 0;
    let sent = 0;
    const t0 = performance.now();
    await new Promise((done) => {
      server.onLine(() => {
        got++;
        if (got === m) done();
        else if (sent < m) server.send(`p${sent++}`);
      });
      for (; sent < 64; ) server.send(`p${sent++}`);
    });
    record(setup, `${label}echo pipelined msg/s`, m / ((performance.now() - t0) / 1000));
}


const measures = {
  async idle(setup, round) {
    const server = await ipcServer(join(setup.home, `idle-${round}.sock`));
    const session = await startSession(setup, [setup.ids.counter, `idle-${round}`, '--ipc-socket', join(setup.home, `idle-${round}.sock`)]);
    await server.connected();
    const reply = new Promise((r) => server.onLine(r));
    server.send('get');
    await reply;
    await sleep(1000); // past the apps' fast-poll phase
    const pid = session.child.pid;
    const c0 = cpuMs(pid);
    const t0 = performance.now();
    await sleep(idleSeconds * 1000);
    const cpu = ((cpuMs(pid) - c0) / (performance.now() - t0)) * 100;
    record(setup, 'idle counter CPU % of a core', cpu);
    record(setup, 'idle counter VmRSS MiB', rssMib(pid));
    record(setup, 'idle counter private (Private_Dirty) MiB', rollup(pid, 'Private_Dirty'));
    record(setup, 'idle counter PSS MiB', rollup(pid, 'Pss'));
    await stop(session);
    server.close();
  },
  async rtt(setup, round) {
    const path = join(setup.home, `rtt-${round}.sock`);
    const server = await ipcServer(path);
    const session = await startSession(setup, [setup.ids.echo, `rtt-${round}`, '--ipc-socket', path]);
    await server.connected();
    await roundTrips(setup, server, '');
    await stop(session);
    server.close();
    if (setup !== setups[0]) return;
    // baseline, once per round: a plain node process echoing lines over the same kind of socket
    const plainPath = join(setup.home, `plain-${round}.sock`);
    const plainServer = await ipcServer(plainPath);
    const plain = spawn(process.execPath, ['-e', PLAIN_ECHO, plainPath], { stdio: ['pipe', 'ignore', 'inherit'] });
    await plainServer.connected();
    await roundTrips(setup, plainServer, 'plain node echo: ');
    plain.kill();
    plainServer.close();
  },

  async launch(setup, round) {
    for (const app of launchApps) {
      for (const standby of [false, true]) {
        const path = join(setup.home, `launch-${round}-${standby}.sock`);
        const server = await ipcServer(path);
        const session = await startSession(setup, [setup.ids[app], `l-${round}`, '--ipc-socket', path], { standby });
        const kind = standby ? 'standby' : 'cold';
        record(setup, `${app} launch→READY ${kind} ms`, session.readyMs);
        await sleep(400);
        if (session.child.exitCode === null) record(setup, `${app} VmRSS 400 ms after READY (${kind}) MiB`, rssMib(session.child.pid));
        await stop(session);
        server.close();
      }
    }
  },
  async compute(setup) {
    const session = await startSession(setup, [setup.ids.cpubench, 'c']);
    const end = await session.exited;
    if (!session.output().includes('checksum=15186784422692038520')) throw new Error(`cpu-bench: wrong output ${session.output()}`);
    record(setup, 'cpu-bench READY→exit ms', end.at - session.readyAt);
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(measures)) {
    if (!only.has(name)) continue;
    // alternate the order each round so neither checkout always runs right after the other's load
    for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) await measures[name](setup, round);
  }
  process.stderr.write(`round ${round + 1}/${rounds}\n`);
}
const keys = [...new Set(setups.flatMap((s) => [...s.results.keys()]))];
console.log(`${rounds} rounds, interleaved; medians (min–max)`);
console.log(['figure'.padEnd(44), ...setups.map((s) => s.root.padEnd(30))].join(' '));
for (const key of keys) {
  const cells = setups.map((s) => {
    const values = s.results.get(key) ?? [];
    if (values.length === 0) return '–'.padEnd(30);
    const digits = key.includes('msg/s') ? 0 : key.includes('RTT') ? 3 : 1;
    return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`.padEnd(30);
  });
  console.log([key.padEnd(44), ...cells].join(' '));
}
for (const setup of setups) rmSync(setup.home, { recursive: true, force: true });
