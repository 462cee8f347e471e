// Rebuilds the fixture/demo apps in apps/ from C source (clang-14, wasm32-wasi, jco wasm-tools); --check verifies the committed app.wasm files, --smoke runs each app through weft-runtime.
//
// Usage:
//   node scripts/build-apps.mjs [app-dir...]          rebuild apps/<dir>/app.wasm (all by default)
//   node scripts/build-apps.mjs --check [app-dir...]  rebuild into a temp dir; exit 1 listing every
//                                                     app.wasm that differs from the committed one
//   node scripts/build-apps.mjs --smoke [app-dir...]  install the committed apps with weft-pack into a
//                                                     temporary store and run each with the built
//                                                     weft-runtime (npm run build first), driving it
//                                                     over IPC; check its behaviour, print timings
// Module use: `import { APPS, buildApp, smokeApp } from './build-apps.mjs'`.
// See docs/architecture/apps.md.

import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APPS_DIR = join(ROOT, 'apps');
const WIT_DIR = join(APPS_DIR, 'wit');
const COMMON_DIR = join(APPS_DIR, 'common');
const ADAPTER = join(ROOT, 'vendor', 'wasi-preview1-adapter', 'wasi_snapshot_preview1.command.wasm');
const HOST_WIT = join(ROOT, 'wit', 'weft-app.wit');
const HOST_WIT_COPY = join(WIT_DIR, 'deps', 'weft-app', 'weft-app.wit');
const CLANG = process.env.WEFT_CLANG || 'clang-14';
const INSTALL_HINT = 'apt-get install -y clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32';

// kind: 'preview1'  C -> wasm32-wasi command module (app.wasm is a core module)
//       'component' C -> core module -> componentEmbed(world) -> componentNew(+ preview1 adapter)
//       'wasip2'    C without _start or preview1 imports -> componentEmbed(world) -> componentNew()
export const APPS = [
  { dir: 'hello', kind: 'preview1' },
  { dir: 'exit-code', kind: 'preview1' },
  { dir: 'trap', kind: 'preview1' },
  { dir: 'hang', kind: 'preview1' },
  { dir: 'spin', kind: 'preview1' },
  { dir: 'cpu-bench', kind: 'preview1' },
  { dir: 'memhog', kind: 'preview1' },
  { dir: 'files', kind: 'preview1' },
  { dir: 'escape', kind: 'preview1' },
  { dir: 'net', kind: 'preview1' },
  { dir: 'counter', kind: 'component', world: 'app' },
  { dir: 'notes', kind: 'component', world: 'app' },
  { dir: 'echo', kind: 'component', world: 'app' },
  { dir: 'stall', kind: 'component', world: 'app' },
  { dir: 'fetcher', kind: 'component', world: 'fetcher' },
  { dir: 'caps', kind: 'component', world: 'caps' },
  { dir: 'wasip2-shaped', kind: 'wasip2', world: 'wasip2-shaped' },
];

const APP_ID = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9]*){2,}$/;

function die(message) {
  console.error(`build-apps: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// jco wasm-tools (loaded lazily so --help and the clang check work without node_modules)

let wasmTools;
async function tools() {
  if (!wasmTools) {
    try {
      wasmTools = await import('@bytecodealliance/jco-transpile/wasm-tools');
    } catch (err) {
      die(`cannot load @bytecodealliance/jco-transpile (run npm ci first): ${err.message}`);
    }
  }
  return wasmTools;
}

// componentEmbed reads WIT through preview2-shim's filesystem, which starts with no preopens;
// give it exactly apps/wit (read under a fixed guest path, so nothing host-specific is embedded).
let witPreopened = false;
async function embedWit(core, world) {
  const { componentEmbed } = await tools();
  if (!witPreopened) {
    const fs = await import('@bytecodealliance/preview2-shim/filesystem');
    if (typeof fs._addPreopen !== 'function') {
      die('this @bytecodealliance/preview2-shim has no _addPreopen(); cannot give componentEmbed the WIT dir');
    }
    fs._addPreopen('/weft-apps-wit', WIT_DIR);
    witPreopened = true;
  }
  return componentEmbed({ binary: core, witPath: '/weft-apps-wit', world });
}

// ---------------------------------------------------------------------------------------------
// Building

function checkClang() {
  const r = spawnSync(CLANG, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    die(`${CLANG} not found or not working (${r.error ? r.error.code : `exit ${r.status}`}).\n` +
      `  Install the toolchain: ${INSTALL_HINT}`);
  }
}

function sources(app) {
  const srcDir = join(APPS_DIR, app.dir, 'src');
  const own = readdirSync(srcDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(srcDir, f));
  if (own.length === 0) die(`apps/${app.dir}/src has no .c files`);
  return app.kind === 'preview1' ? own : [...own, join(COMMON_DIR, 'weft_app.c')];
}

function compile(app, outPath) {
  const args = [
    '--target=wasm32-wasi',
    '-O2',
    '-g0',
    '-std=gnu11',
    '-Wall',
    '-Wextra',
    '-Werror',
    `-ffile-prefix-map=${ROOT}=.`,
    '-I', relative(ROOT, COMMON_DIR),
    '-Wl,--strip-debug',
  ];
  if (app.kind === 'wasip2') args.push('-nostartfiles', '-Wl,--no-entry');
  args.push('-o', outPath, ...sources(app).map((s) => relative(ROOT, s)));
  const r = spawnSync(CLANG, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.error) die(`${CLANG}: ${r.error.message}\n  Install the toolchain: ${INSTALL_HINT}`);
  if (r.status !== 0) {
    die(`compiling apps/${app.dir} failed:\n  ${CLANG} ${args.join(' ')}\n${r.stderr}` +
      (/wasi|sysroot|crt1|libc|wasm-ld/.test(r.stderr) ? `\n  (toolchain incomplete? ${INSTALL_HINT})` : ''));
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
}

/** Builds one app; returns the bytes of its app.wasm. */
export async function buildApp(app, workDir) {
  const core = join(workDir, `${app.dir}.core.wasm`);
  compile(app, core);
  const coreBytes = readFileSync(core);
  if (app.kind === 'preview1') return coreBytes;
  const { componentNew } = await tools();
  const embedded = await embedWit(coreBytes, app.world);
  const adapters = app.kind === 'component' ? [['wasi_snapshot_preview1', readFileSync(ADAPTER)]] : [];
  return Buffer.from(await componentNew(embedded, adapters));
}

async function checkManifest(app) {
  const problems = [];
  const dir = join(APPS_DIR, app.dir);
  let manifest;
  try {
    const { parse } = await import('smol-toml');
    manifest = parse(readFileSync(join(dir, 'wapp.toml'), 'utf8'));
  } catch (err) {
    return [`apps/${app.dir}/wapp.toml: ${err.message}`];
  }
  const pkg = manifest.package ?? {};
  if (!APP_ID.test(pkg.id ?? '')) problems.push(`apps/${app.dir}: bad package.id ${JSON.stringify(pkg.id)}`);
  if (typeof pkg.name !== 'string' || pkg.name.length < 1 || pkg.name.length > 64) problems.push(`apps/${app.dir}: bad package.name`);
  if (typeof pkg.version !== 'string') problems.push(`apps/${app.dir}: missing package.version`);
  if (manifest.runtime?.module !== 'app.wasm') problems.push(`apps/${app.dir}: runtime.module must be "app.wasm"`);
  if (!manifest.ui?.entry || !existsSync(join(dir, manifest.ui.entry))) problems.push(`apps/${app.dir}: ui.entry missing or not on disk`);
  return problems;
}

function checkHostWitCopy() {
  const a = readFileSync(HOST_WIT, 'utf8');
  const b = existsSync(HOST_WIT_COPY) ? readFileSync(HOST_WIT_COPY, 'utf8') : null;
  return a === b;
}

function listedDirs() {
  const known = new Set(APPS.map((a) => a.dir));
  const onDisk = readdirSync(APPS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(APPS_DIR, e.name, 'wapp.toml')))
    .map((e) => e.name);
  return onDisk.filter((d) => !known.has(d));
}

function selectApps(names) {
  if (names.length === 0) return APPS;
  return names.map((n) => APPS.find((a) => a.dir === n.replace(/\/$/, '').replace(/^apps\//, '')) ?? die(`unknown app "${n}" (known: ${APPS.map((a) => a.dir).join(', ')})`));
}

async function runBuild(names, check) {
  checkClang();
  const apps = selectApps(names);
  const work = mkdtempSync(join(tmpdir(), 'weft-build-apps-'));
  const problems = [];
  try {
    for (const d of listedDirs()) problems.push(`apps/${d} has a wapp.toml but is not in APPS in scripts/build-apps.mjs`);
    if (!checkHostWitCopy()) {
      if (check) problems.push('apps/wit/deps/weft-app/weft-app.wit differs from wit/weft-app.wit (run without --check to refresh)');
      else {
        mkdirSync(dirname(HOST_WIT_COPY), { recursive: true });
        copyFileSync(HOST_WIT, HOST_WIT_COPY);
        console.log('refreshed apps/wit/deps/weft-app/weft-app.wit from wit/weft-app.wit');
      }
    }
    const differ = [];
    for (const app of apps) {
      problems.push(...(await checkManifest(app)));
      const t0 = performance.now();
      const bytes = await buildApp(app, work);
      const ms = Math.round(performance.now() - t0);
      const target = join(APPS_DIR, app.dir, 'app.wasm');
      if (check) {
        const same = existsSync(target) && Buffer.compare(readFileSync(target), bytes) === 0;
        if (!same) differ.push(`apps/${app.dir}/app.wasm`);
        console.log(`${same ? 'same  ' : 'DIFFER'} ${`apps/${app.dir}/app.wasm`.padEnd(28)} ${String(bytes.length).padStart(7)} bytes  ${ms} ms`);
      } else {
        writeFileSync(target, bytes);
        console.log(`built ${`apps/${app.dir}/app.wasm`.padEnd(28)} ${app.kind.padEnd(9)} ${String(bytes.length).padStart(7)} bytes  ${ms} ms`);
      }
    }
    for (const p of problems) console.error(`problem: ${p}`);
    if (check && differ.length) {
      console.error(`\nThese app.wasm files differ from a fresh build (run: node scripts/build-apps.mjs):\n  ${differ.join('\n  ')}`);
    }
    return differ.length || problems.length ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Smoke runs: every committed app installed with weft-pack into a temporary store and run by the
// real weft-runtime (dist/, so `npm run build` first), one process per run, driven over IPC.

const DIST = join(ROOT, 'dist');
const WEFT_PACK = join(DIST, 'bin', 'weft-pack.js');
const WEFTCTL = join(DIST, 'bin', 'weftctl.js');
const RUNTIME = join(DIST, 'bin', 'weft-runtime.js');

const COUNTER = ['get', 'increment', 'increment', 'decrement', 'get', 'reset', 'get', 'bogus "cmd"\\', 'quit'];
const NOTE = 'He said "hi" \\ tab\there \u0001 ünïcødé ✓ {json}';
const LONG_BODY = 'x'.repeat(199) + 'é' + 'tail'.repeat(30); // 'é' straddles the 200-byte cut
const ECHO = ['hello', '{"json":[1,2,3]}', 'ünïcødé ✓ \\ "q"', ' ', 'a'.repeat(10000)];

// What each smoke run does and expects of weft-runtime. stdout: matched with weft-runtime's READY
// line taken out; ready: true (READY must come) or false (it must not); exit: the runtime's exit
// status (SIGTERM from the smoke run: EXIT.TERMINATED). ipc: messages sent one at a time, each
// after the previous reply; replies: expected replies (strings compared as JSON when they parse,
// or RegExps); end: 'exit' (the app returns) or 'host' (the smoke run ends it once all replies are
// in). killAfter: ms before the smoke run ends the app (expected for apps that never end);
// killOn: end it when stdout matches. bench: echo round trips timed after the replies. A function
// value is called with (run, app id).
// preview1 apps get READY from the runtime before they run (they cannot import notify).
const SMOKE = (exit, fetchBase) => ({
  hello: { exit: 0, ready: true, stdout: /^hello from weft\n$/ },
  'exit-code': { exit: 7, stdout: /^exiting with code 7\n$/, note: 'proc_exit(7) keeps its code through the adapter (wasm-thread/wasi/exit.ts)' },
  trap: { exit: exit.TRAP, stdout: /^about to trap\n$/, stderr: /unreachable[\s\S]*weft_trap_here/ },
  hang: { killAfter: 1500, exit: exit.TERMINATED, stdout: /^hang: sleeping forever\n$/ },
  spin: { killAfter: 1500, exit: exit.TERMINATED, stdout: /^spin: burning CPU\n$/ },
  'cpu-bench': { exit: 0, stdout: /^checksum=15186784422692038520\n$/ },
  memhog: { killOn: /allocated 64 MiB\n/, killAfter: 20000, exit: exit.TERMINATED, stdout: /^allocated 16 MiB\nallocated 32 MiB\nallocated 48 MiB\nallocated 64 MiB\n/ },
  files: { plant: false, runs: 2, exit: 0, stdout: (run) => new RegExp(`appended to /data/log.txt: now ${run} lines[\\s\\S]*listing /data \\(2 entries\\): hello.txt log.txt\\nfiles: ok\\n$`) },
  escape: { plant: true, exit: 0, stdout: /ROUTE planted DENIED[\s\S]*ESCAPE-SUMMARY denied=12 escaped=0\n$/ },
  net: { exit: 0, stdout: /NET-SUMMARY denied=27 allowed=0\n$/ },
  counter: {
    exit: 0, ready: true, end: 'exit', ipc: COUNTER,
    replies: ['{"count":0}', '{"count":1}', '{"count":2}', '{"count":1}', '{"count":1}', '{"count":0}', '{"count":0}', '{"error":"unknown command: bogus \\"cmd\\"\\\\"}'],
  },
  notes: {
    runs: 2, exit: 0, ready: true, end: 'exit',
    ipc: (run) => (run === 1 ? ['load', `save:${NOTE}`, 'load', 'nope', 'quit'] : ['load', 'save:', 'load', 'quit']),
    replies: (run) => (run === 1
      ? [JSON.stringify({ text: '' }), JSON.stringify({ text: NOTE }), JSON.stringify({ text: NOTE }), '{"error":"unknown command: nope"}']
      : [JSON.stringify({ text: NOTE }), '{"text":""}', '{"text":""}']),
  },
  echo: { ready: true, end: 'host', exit: exit.TERMINATED, ipc: ECHO, replies: ECHO, rawReplies: true, bench: 2000 },
  stall: { killAfter: 2500, exit: exit.TERMINATED, ready: false, stdout: /^$/ },
  fetcher: {
    ready: true, end: 'host', exit: exit.TERMINATED,
    ipc: [`${fetchBase}/ok`, `${fetchBase}/long`, `${fetchBase}/bytes`, 'http://denied.example/'],
    replies: [
      JSON.stringify({ status: 200, body: 'hello "fetch"\n' }),
      JSON.stringify({ status: 201, body: 'x'.repeat(199) }),
      JSON.stringify({ status: 404, body: 'a\ufffdb' }),
      /^\{"error":"[^"]*denied\.example[^"]*not an allowed host[^"]*"\}$/,
    ],
  },
  caps: {
    exit: 0, ready: true, end: 'exit', secret: ['api_key', 'smoke-secret'],
    ipc: ['set a 1', 'get a', 'keys ', 'del a', 'get a', 'config greeting', 'log hi', 'sched wake @every 1h', 'unsched wake', '{"type":"schedule-tick","name":"wake"}', 'quit'],
    replies: ['{"ok":true}', '{"value":"1"}', '{"keys":["a"]}', '{"ok":true}', '{"value":null}', '{"value":"hello"}', '{"ok":true}', /^\{"next_run_ms":\d+\}$/, '{"ok":true}', '{"ticks":1}'],
  },
  'wasip2-shaped': { exit: 0, ready: true, end: 'exit', ipc: ['ping', 'args', 'nope', 'quit'], replies: (_run, id) => ['pong', JSON.stringify({ args: [id] }), '{"error":"unknown command: nope"}'], rawReplies: true, note: 'argv[0] is the app id' },
});

// What the fetcher's requests get (a local server: weft-runtime makes real requests).
const FETCH_TABLE = {
  '/ok': { status: 200, contentType: 'text/plain', body: 'hello "fetch"\n' },
  '/long': { status: 201, contentType: 'text/plain', body: LONG_BODY },
  '/bytes': { status: 404, contentType: 'application/octet-stream', body: Buffer.from([0x61, 0xff, 0x62]) },
};

async function startFetchServer() {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    const entry = FETCH_TABLE[request.url ?? ''];
    if (!entry) return void response.writeHead(500).end();
    response.writeHead(entry.status, { 'content-type': entry.contentType }).end(entry.body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

/** A temporary user: HOME, XDG dirs and an app store, as weft-appd's environment would give them. */
function smokeHome(scratch) {
  const env = {
    PATH: process.env.PATH,
    HOME: join(scratch, 'home'),
    XDG_DATA_HOME: join(scratch, 'data'),
    XDG_CACHE_HOME: join(scratch, 'cache'),
    XDG_CONFIG_HOME: join(scratch, 'config'),
    XDG_RUNTIME_DIR: join(scratch, 'run'),
    XDG_DOCUMENTS_DIR: join(scratch, 'home', 'Documents'),
    WEFT_APP_STORE: join(scratch, 'store'),
  };
  for (const dir of [env.HOME, env.XDG_RUNTIME_DIR, env.WEFT_APP_STORE]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return env;
}

function runTool(tool, args, env, input) {
  const r = spawnSync(process.execPath, [tool, ...args], { env, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${relative(ROOT, tool)} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Starts an IPC server on `path` (weft-appd's side of --ipc-socket); `ask` sends one line and resolves with the next reply. */
async function startIpc(path) {
  const { createServer } = await import('node:net');
  let peer = null;
  let buffer = '';
  const lines = [];
  const waiting = [];
  const connected = [];
  const server = createServer((socket) => {
    peer = socket;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop();
      lines.push(...parts);
      while (waiting.length && lines.length) waiting.shift()(lines.shift());
    });
    socket.on('close', () => { for (const w of waiting.splice(0)) w(null); });
    for (const c of connected.splice(0)) c();
  });
  await new Promise((ok) => server.listen(path, ok));
  return {
    connected: () => (peer ? Promise.resolve() : new Promise((ok) => connected.push(ok))),
    ask(line) {
      peer.write(`${line}\n`);
      return lines.length ? Promise.resolve(lines.shift()) : new Promise((ok) => waiting.push(ok));
    },
    close: () => new Promise((ok) => { peer?.destroy(); server.close(ok); }),
  };
}

/** One weft-runtime session: feeds the IPC messages, collects stdout/stderr, ends it as the spec says. */
async function runSession(env, id, session, spec, ipcList, socketPath) {
  const t0 = performance.now();
  const ipc = ipcList ? await startIpc(socketPath) : null;
  const args = [RUNTIME, id, String(session), ...(ipc ? ['--ipc-socket', socketPath] : [])];
  // stdin stays an open pipe: weft-runtime takes its EOF for weft-appd's death.
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let readyMs = null;
  let ended = null;
  const end = (why) => {
    if (ended) return;
    ended = why;
    child.kill('SIGTERM');
  };
  const timer = setTimeout(() => end('timeout'), spec.killAfter ?? 30000);
  const onReady = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout += d;
    if (readyMs === null && /(^|\n)READY\n/.test(stdout)) {
      readyMs = performance.now() - t0;
      for (const r of onReady.splice(0)) r();
    }
    if (spec.killOn && spec.killOn.test(stdout)) end('pattern');
  });
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise((ok) => child.on('close', (code, signal) => ok({ code, signal })));
  const replies = [];
  let bench = null;
  if (ipc) {
    const gotReady = new Promise((ok) => (readyMs !== null ? ok() : onReady.push(ok)));
    if (await Promise.race([gotReady.then(() => true), closed.then(() => false)])) {
      await ipc.connected();
      for (const message of ipcList) {
        if (message === 'quit') { ipc.ask(message).catch(() => {}); break; }
        const reply = await ipc.ask(message);
        if (reply === null) break;
        replies.push(reply);
      }
      if (spec.bench && replies.length === ipcList.length) {
        const b0 = performance.now();
        for (let i = 0; i < spec.bench; i++) await ipc.ask(`bench ${i}`);
        bench = { n: spec.bench, avgUs: +(((performance.now() - b0) * 1000) / spec.bench).toFixed(1) };
      }
      if (spec.end === 'host') end('host');
    }
  }
  const { code, signal } = await closed;
  clearTimeout(timer);
  child.stdin.destroy();
  await ipc?.close();
  return { code, signal, ended, stdout, stderr, readyMs, replies, bench, wallMs: performance.now() - t0 };
}

function sameReply(got, want, raw) {
  if (want instanceof RegExp) return want.test(got);
  if (got === want) return true;
  if (raw) return false;
  try {
    return JSON.stringify(JSON.parse(got)) === JSON.stringify(JSON.parse(want));
  } catch {
    return false;
  }
}

/** Reads the app id from apps/<dir>/wapp.toml. */
async function appId(app) {
  const { parse } = await import('smol-toml');
  return parse(readFileSync(join(APPS_DIR, app.dir, 'wapp.toml'), 'utf8')).package.id;
}

/** Installs one app into the smoke store with weft-pack, then runs and checks it; returns { ok, lines }. */
export async function smokeApp(app, context) {
  const { env, exit, fetchBase, scratch, dataDir } = context;
  const spec = SMOKE(exit, fetchBase)[app.dir];
  if (!spec) return { ok: false, lines: [`FAIL ${app.dir}: no SMOKE entry in scripts/build-apps.mjs`] };
  const fails = [];
  const id = await appId(app);
  let t = performance.now();
  try {
    runTool(WEFT_PACK, ['install', join(APPS_DIR, app.dir)], env);
    if (spec.secret) runTool(WEFTCTL, ['config', 'set', id, spec.secret[0]], env, `${spec.secret[1]}\n`);
  } catch (error) {
    return { ok: false, lines: [`FAIL ${app.dir}: ${error.message}`] };
  }
  const installMs = performance.now() - t;
  if (spec.plant) {
    const data = dataDir(id, env);
    const outside = join(scratch, app.dir, 'outside');
    mkdirSync(data, { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'passwd'), 'secret\n');
    symlinkSync(outside, join(data, 'planted'));
  }
  const runs = spec.runs ?? 1;
  const timing = [];
  for (let run = 1; run <= runs; run++) {
    const pick = (v) => (typeof v === 'function' ? v(run, id) : v);
    const ipcList = pick(spec.ipc);
    const want = pick(spec.replies) ?? [];
    const r = await runSession(env, id, context.nextSession(), spec, ipcList, join(scratch, `${app.dir}-${run}.sock`));
    const tag = runs > 1 ? `run ${run}: ` : '';
    const fail = (msg) => fails.push(`${tag}${msg}`);
    const appStdout = r.stdout.replace(/(^|\n)READY\n/, '$1');
    const stdoutRe = pick(spec.stdout);
    if (stdoutRe && !stdoutRe.test(appStdout)) fail(`stdout ${JSON.stringify(appStdout.slice(0, 400))} !~ ${stdoutRe}`);
    if (spec.stderr && !spec.stderr.test(r.stderr)) fail(`stderr ${JSON.stringify(r.stderr.slice(0, 400))} !~ ${spec.stderr}`);
    if (r.code !== spec.exit) fail(`exit ${r.code ?? r.signal}${r.ended ? ` (ended: ${r.ended})` : ''}, want ${spec.exit}; stderr: ${r.stderr.slice(0, 400)}`);
    if (spec.killAfter && !spec.killOn && r.ended !== 'timeout') fail(`ended by itself (exit ${r.code}), want it still running until ended`);
    if (spec.ready === true && r.readyMs === null) fail('never became READY');
    if (spec.ready === false && r.readyMs !== null) fail('became READY');
    if (ipcList) {
      if (r.replies.length !== want.length) fail(`got ${r.replies.length} replies, want ${want.length}: ${JSON.stringify(r.replies).slice(0, 300)}`);
      want.forEach((w, i) => {
        if (r.replies[i] !== undefined && !sameReply(r.replies[i], w, spec.rawReplies)) fail(`reply ${i + 1}: ${JSON.stringify(r.replies[i]).slice(0, 200)}, want ${String(w).slice(0, 200)}`);
      });
    }
    const parts = [`wall ${Math.round(r.wallMs)} ms`];
    if (r.readyMs !== null) parts.push(`READY @${Math.round(r.readyMs)} ms`);
    if (r.bench) parts.push(`echo round trip ${r.bench.avgUs} µs avg over ${r.bench.n}`);
    parts.push(`exit ${r.code ?? r.signal}${r.ended ? ` (ended: ${r.ended})` : ''}`);
    timing.push(`${tag}${parts.join(', ')}`);
    if (process.env.WEFT_SMOKE_VERBOSE) timing.push(`stdout: ${r.stdout.slice(0, 2000)}`, `stderr: ${r.stderr.slice(0, 2000)}`);
  }
  const lines = [
    `${fails.length ? 'FAIL' : 'ok  '} ${app.dir.padEnd(14)} ${app.kind.padEnd(9)} ${id}, installed in ${Math.round(installMs)} ms`,
    `     ${timing.join('; ')}`,
    ...(spec.note ? [`     note: ${spec.note}`] : []),
    ...fails.map((f) => `     ! ${f}`),
  ];
  return { ok: fails.length === 0, lines };
}

async function runSmoke(names) {
  for (const file of [WEFT_PACK, WEFTCTL, RUNTIME]) if (!existsSync(file)) die(`${relative(ROOT, file)} is missing: run npm run build first (the smoke run uses the built weft)`);
  const apps = selectApps(names);
  const { EXIT } = await import(pathToFileURL(join(DIST, 'protocol', 'runtime-exit.js')).href);
  const { appDataDir } = await import(pathToFileURL(join(DIST, 'config', 'paths.js')).href);
  const scratch = mkdtempSync(join(tmpdir(), 'weft-smoke-'));
  const fetchServer = await startFetchServer();
  let session = 0;
  const context = { env: smokeHome(scratch), exit: EXIT, fetchBase: fetchServer.base, scratch, dataDir: appDataDir, nextSession: () => ++session };
  let failed = 0;
  try {
    for (const app of apps) {
      if (!existsSync(join(APPS_DIR, app.dir, 'app.wasm'))) {
        console.log(`FAIL ${app.dir}: no app.wasm (run node scripts/build-apps.mjs first)`);
        failed++;
        continue;
      }
      const { ok, lines } = await smokeApp(app, context);
      console.log(lines.join('\n'));
      if (!ok) failed++;
    }
  } finally {
    await fetchServer.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(failed ? `\n${failed} app(s) failed the smoke run` : `\nall ${apps.length} app(s) passed the smoke run`);
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(2, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return 0;
  }
  const flags = argv.filter((a) => a.startsWith('--'));
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const f of flags) if (!['--check', '--smoke'].includes(f)) die(`unknown option ${f}`);
  if (flags.includes('--smoke')) return runSmoke(names);
  return runBuild(names, flags.includes('--check'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  });
}
