// Rebuilds the fixture/demo apps in apps/ from C source (clang-14, wasm32-wasi, jco wasm-tools); --check verifies the committed app.wasm files, --smoke runs each app under jco + preview2-shim.
//
// Usage:
//   node scripts/build-apps.mjs [app-dir...]          rebuild apps/<dir>/app.wasm (all by default)
//   node scripts/build-apps.mjs --check [app-dir...]  rebuild into a temp dir; exit 1 listing every
//                                                     app.wasm that differs from the committed one
//   node scripts/build-apps.mjs --smoke [app-dir...]  run the committed app.wasm files: wrap preview1
//                                                     modules with the adapter, transpile with jco,
//                                                     instantiate with a sandboxed WASIShim and a JS
//                                                     weft:app host, check their behaviour, print timings
// Module use: `import { APPS, buildApp, toComponent, transpileApp, smokeApp } from './build-apps.mjs'`.
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
  writeSync,
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
// Smoke runs: every app under jco transpile + preview2-shim, in a child process each

function isCoreModule(bytes) {
  return bytes.length >= 8 && bytes.readUInt32LE(0) === 0x6d736100 && bytes.readUInt32LE(4) === 1;
}

/** app.wasm bytes -> component bytes (preview1 modules are wrapped with the command adapter). */
export async function toComponent(bytes) {
  if (!isCoreModule(bytes)) return bytes;
  const { componentNew } = await tools();
  return Buffer.from(await componentNew(bytes, [['wasi_snapshot_preview1', readFileSync(ADAPTER)]]));
}

/** Transpiles a component for instantiation with caller-supplied imports; writes it to outDir. */
export async function transpileApp(component, outDir) {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const result = await transpileBytes(component, { name: 'component', instantiation: { tag: 'async' } });
  for (const [name, data] of Object.entries(result.files)) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), data);
  }
  return result;
}

const COUNTER = ['get', 'increment', 'increment', 'decrement', 'get', 'reset', 'get', 'bogus "cmd"\\', 'quit'];
const NOTE = 'He said "hi" \\ tab\there \u0001 ünïcødé ✓ {json}';
const LONG_BODY = 'x'.repeat(199) + 'é' + 'tail'.repeat(30); // 'é' straddles the 200-byte cut
const ECHO = ['hello', '{"json":[1,2,3]}', 'ünïcødé ✓ \\ "q"', ' ', 'a'.repeat(10000)];

// What each smoke run does and expects. ipc: messages fed one per recv() (next one only after the
// previous reply), replies: expected replies (compared as JSON when they parse), end: 'exit' (the
// app returns) or 'host' (the host exits once all replies are in). killAfter: ms before the
// child is killed (expected for apps that never end); killOn: kill when stdout matches.
const SMOKE = {
  hello: { exit: 0, stdout: /^hello from weft\n$/ },
  'exit-code': { exit: 1, stdout: /^exiting with code 7\n$/, note: 'proc_exit(7) -> wasi:cli/exit err -> 1 through the adapter' },
  trap: { exitNot0: true, stdout: /^about to trap\n$/, stderr: /unreachable[\s\S]*weft_trap_here/ },
  hang: { killAfter: 1500, stdout: /^hang: sleeping forever\n$/ },
  spin: { killAfter: 1500, stdout: /^spin: burning CPU\n$/ },
  'cpu-bench': { exit: 0, stdout: /^checksum=15186784422692038520\n$/ },
  memhog: { killOn: /allocated 64 MiB\n/, killAfter: 20000, stdout: /^allocated 16 MiB\nallocated 32 MiB\nallocated 48 MiB\nallocated 64 MiB\n/ },
  files: { data: true, runs: 2, exit: 0, stdout: (run) => new RegExp(`appended to /data/log.txt: now ${run} lines[\\s\\S]*listing /data \\(2 entries\\): hello.txt log.txt\\nfiles: ok\\n$`) },
  escape: { data: true, plant: true, exit: 0, stdout: /ROUTE planted DENIED[\s\S]*ESCAPE-SUMMARY denied=12 escaped=0\n$/ },
  net: { exit: 0, stdout: /NET-SUMMARY denied=27 allowed=0\n$/ },
  counter: {
    exit: 0, ready: true, end: 'exit', ipc: COUNTER,
    replies: ['{"count":0}', '{"count":1}', '{"count":2}', '{"count":1}', '{"count":1}', '{"count":0}', '{"count":0}', '{"error":"unknown command: bogus \\"cmd\\"\\\\"}'],
  },
  notes: {
    data: true, runs: 2, exit: 0, ready: true, end: 'exit',
    ipc: (run) => (run === 1 ? ['load', `save:${NOTE}`, 'load', 'nope', 'quit'] : ['load', 'save:', 'load', 'quit']),
    replies: (run) => (run === 1
      ? [JSON.stringify({ text: '' }), JSON.stringify({ text: NOTE }), JSON.stringify({ text: NOTE }), '{"error":"unknown command: nope"}']
      : [JSON.stringify({ text: NOTE }), '{"text":""}', '{"text":""}']),
  },
  echo: { ready: true, end: 'host', ipc: ECHO, replies: ECHO, rawReplies: true, bench: 2000 },
  stall: { killAfter: 2500, ready: false, stdout: /^$/ },
  fetcher: {
    ready: true, end: 'host',
    ipc: ['http://127.0.0.1:9/ok', 'http://127.0.0.1:9/long', 'http://127.0.0.1:9/bytes', 'http://denied.example/'],
    replies: [
      JSON.stringify({ status: 200, body: 'hello "fetch"\n' }),
      JSON.stringify({ status: 201, body: 'x'.repeat(199) }),
      JSON.stringify({ status: 404, body: 'a\ufffdb' }),
      JSON.stringify({ error: 'blocked: http://denied.example/' }),
    ],
  },
  caps: {
    exit: 0, ready: true, end: 'exit',
    ipc: ['set a 1', 'get a', 'keys ', 'del a', 'get a', 'config greeting', 'log hi', 'sched wake @every 1h', 'unsched wake', '{"type":"schedule-tick","name":"wake"}', 'quit'],
    replies: ['{"ok":true}', '{"value":"1"}', '{"keys":["a"]}', '{"ok":true}', '{"value":null}', '{"value":"hello"}', '{"ok":true}', '{"next_run_ms":3600000}', '{"ok":true}', '{"ticks":1}'],
  },
  'wasip2-shaped': { exit: 0, ready: true, end: 'exit', ipc: ['ping', 'args', 'nope', 'quit'], replies: ['pong', '{"args":["app"]}', '{"error":"unknown command: nope"}'], rawReplies: true },
};

// The weft:app host used by the child (fetch answers from a fixed table; no network).
const FETCH_TABLE = {
  'http://127.0.0.1:9/ok': { status: 200, contentType: 'text/plain', body: 'hello "fetch"\n' },
  'http://127.0.0.1:9/long': { status: 201, contentType: 'text/plain', body: LONG_BODY },
  'http://127.0.0.1:9/bytes': { status: 404, contentType: 'application/octet-stream', body: [0x61, 0xff, 0x62] },
};

async function smokeChild(outDir, specJson) {
  const spec = JSON.parse(specJson);
  const t0 = performance.now();
  const ev = (type, extra = {}) => writeSync(3, `${JSON.stringify({ type, ms: +(performance.now() - t0).toFixed(2), ...extra })}\n`);
  const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation');
  const shim = new WASIShim({ sandbox: { preopens: spec.preopens, env: {}, args: ['app'], enableNetwork: false } });
  const imports = shim.getImportObject();

  const smokeKv = new Map();
  let ready = false;
  let delivered = 0;
  let replies = 0;
  let benchLeft = spec.bench ?? 0;
  let benchStart = 0;
  const queue = [...(spec.ipc ?? [])];
  const finish = () => {
    ev('done', { delivered, replies });
    process.exit(0);
  };
  const host = {
    notify: {
      ready() {
        ready = true;
        ev('ready');
      },
    },
    ipc: {
      send(payload) {
        replies++;
        if (replies <= (spec.ipc ?? []).length) ev('reply', { payload });
        else if (--benchLeft === 0) {
          const n = spec.bench;
          ev('bench', { n, avgUs: +(((performance.now() - benchStart) * 1000) / n).toFixed(1) });
        }
        if (spec.end === 'host' && replies === (spec.ipc ?? []).length + (spec.bench ?? 0)) finish();
      },
      recv() {
        if (!ready) ev('recv-before-ready');
        if (delivered > replies) return undefined; // wait for the answer to the previous message
        if (queue.length === 0 && benchLeft > 0 && replies === delivered) {
          if (!benchStart) benchStart = performance.now();
          queue.push(`bench ${benchLeft}`);
        }
        const next = queue.shift();
        if (next === undefined) return undefined;
        delivered++;
        return next;
      },
    },
    // weft:app@0.2.0 for caps: an in-memory store, the manifest's default, and log records as events.
    kv: {
      get: (key) => smokeKv.get(key),
      set: (key, value) => void smokeKv.set(key, value),
      delete: (key) => void smokeKv.delete(key),
      listKeys: (prefix) => ({ keys: [...smokeKv.keys()].filter((k) => k.startsWith(prefix)).sort(), nextCursor: undefined }),
    },
    config: { get: (name) => (name === 'greeting' ? 'hello' : undefined) },
    log: { emit: (level, message, fields) => ev('log', { level, message, fields }) },
    schedule: {
      create: (name, cron, timeZone) => ({ name, cron, timeZone, nextRunMs: 3600000n }),
      listSchedules: () => [],
      delete: () => undefined,
    },
    fetch: {
      fetch(url, method, headers, body) {
        ev('fetch', { url, method, headers: headers.length, body: body === undefined || body === null ? null : body.length });
        const r = FETCH_TABLE[url];
        if (!r) throw `blocked: ${url}`;
        const bytes = typeof r.body === 'string' ? new TextEncoder().encode(r.body) : Uint8Array.from(r.body);
        return { status: r.status, contentType: r.contentType, body: bytes };
      },
    },
  };
  for (const name of spec.imports) {
    const m = /^weft:app\/([a-z-]+)(@.*)?$/.exec(name);
    if (m) imports[name] = host[m[1]];
  }
  const { instantiate } = await import(pathToFileURL(join(outDir, 'component.js')).href);
  const root = await instantiate((p) => WebAssembly.compile(readFileSync(join(outDir, p))), imports);
  ev('instantiated');
  const runIface = root.run ?? Object.entries(root).find(([k]) => k.startsWith('wasi:cli/run'))?.[1];
  try {
    runIface.run();
    ev('returned');
    process.exit(0);
  } catch (err) {
    ev('threw', { message: String(err?.message ?? err) });
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(70);
  }
}

function runChild(outDir, spec, opts) {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--smoke-child', outDir, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let events = '';
    let killed = null;
    const kill = (why) => {
      if (killed) return;
      killed = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), opts.killAfter ?? 30000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (opts.killOn && opts.killOn.test(stdout)) kill('pattern');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdio[3].on('data', (d) => (events += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const evs = events.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      resolvePromise({ code, signal, killed, stdout, stderr, events: evs, wallMs: performance.now() - t0 });
    });
  });
}

function sameReply(got, want, raw) {
  if (got === want) return true;
  if (raw) return false;
  try {
    return JSON.stringify(JSON.parse(got)) === JSON.stringify(JSON.parse(want));
  } catch {
    return false;
  }
}

/** Runs one app's smoke test; returns { ok, lines } (lines: human-readable report). */
export async function smokeApp(app, scratch) {
  const spec = SMOKE[app.dir];
  if (!spec) return { ok: false, lines: [`FAIL ${app.dir}: no SMOKE entry in scripts/build-apps.mjs`] };
  const lines = [];
  const fails = [];
  const bytes = readFileSync(join(APPS_DIR, app.dir, 'app.wasm'));
  let t = performance.now();
  const component = await toComponent(bytes);
  const wrapMs = performance.now() - t;
  const outDir = join(scratch, app.dir, 'js');
  t = performance.now();
  const tr = await transpileApp(component, outDir);
  const transpileMs = performance.now() - t;
  const weftImports = tr.imports.filter((i) => i.startsWith('weft:'));
  const { componentWit } = await tools();
  const wit = await componentWit(component);
  const versioned = [...wit.matchAll(/^\s*(import|export) ([^;]+);/gm)].map((m) => `${m[1]} ${m[2]}`);

  const preopens = {};
  if (spec.data) {
    const data = join(scratch, app.dir, 'data');
    mkdirSync(data, { recursive: true });
    preopens['/data'] = data;
    if (spec.plant) {
      const outside = join(scratch, app.dir, 'outside');
      mkdirSync(outside, { recursive: true });
      writeFileSync(join(outside, 'passwd'), 'secret\n');
      symlinkSync(outside, join(data, 'planted'));
    }
  }
  const runs = spec.runs ?? 1;
  const timing = [];
  for (let run = 1; run <= runs; run++) {
    const pick = (v) => (typeof v === 'function' ? v(run) : v);
    const ipc = pick(spec.ipc);
    const want = pick(spec.replies) ?? [];
    const childSpec = { preopens, imports: tr.imports, ipc, end: spec.end, bench: spec.bench };
    const r = await runChild(outDir, childSpec, spec);
    const ev = (type) => r.events.find((e) => e.type === type);
    const tag = runs > 1 ? `run ${run}: ` : '';
    const fail = (msg) => fails.push(`${tag}${msg}`);
    const stdoutRe = pick(spec.stdout);
    if (stdoutRe && !stdoutRe.test(r.stdout)) fail(`stdout ${JSON.stringify(r.stdout.slice(0, 400))} !~ ${stdoutRe}`);
    if (spec.stderr && !spec.stderr.test(r.stderr)) fail(`stderr ${JSON.stringify(r.stderr.slice(0, 400))} !~ ${spec.stderr}`);
    if (spec.exit !== undefined && (r.killed || r.code !== spec.exit)) fail(`exit ${r.killed ? `killed (${r.killed})` : r.code}, want ${spec.exit}`);
    if (spec.exitNot0 && (r.killed || r.code === 0)) fail(`exit ${r.killed ? 'killed' : r.code}, want non-zero`);
    if (spec.killAfter && spec.exit === undefined && !spec.exitNot0 && !r.killed) fail(`ended by itself (exit ${r.code}), want it still running until killed`);
    if (spec.ready === true && !ev('ready')) fail('never called ready()');
    if (spec.ready === false && ev('ready')) fail('called ready()');
    if (ev('recv-before-ready')) fail('called recv() before ready()');
    const got = r.events.filter((e) => e.type === 'reply').map((e) => e.payload);
    if (spec.ipc) {
      if (got.length !== want.length) fail(`got ${got.length} replies, want ${want.length}: ${JSON.stringify(got).slice(0, 300)}`);
      want.forEach((w, i) => {
        if (got[i] !== undefined && !sameReply(got[i], w, spec.rawReplies)) fail(`reply ${i + 1}: ${JSON.stringify(got[i]).slice(0, 200)}, want ${JSON.stringify(w).slice(0, 200)}`);
      });
    }
    const parts = [`wall ${Math.round(r.wallMs)} ms`];
    if (ev('instantiated')) parts.push(`instantiated @${Math.round(ev('instantiated').ms)} ms`);
    if (ev('ready')) parts.push(`ready @${Math.round(ev('ready').ms)} ms`);
    const fetches = r.events.filter((e) => e.type === 'fetch');
    if (fetches.length) parts.push(`fetch calls ${fetches.length} (headers ${fetches[0].headers}, body ${fetches[0].body})`);
    if (ev('bench')) parts.push(`echo round trip ${ev('bench').avgUs} µs avg over ${ev('bench').n}`);
    parts.push(r.killed ? `killed (${r.killed})` : `exit ${r.code}`);
    timing.push(`${tag}${parts.join(', ')}`);
    if (process.env.WEFT_SMOKE_VERBOSE) lines.push(`    stdout: ${r.stdout.slice(0, 2000)}`, `    stderr: ${r.stderr.slice(0, 2000)}`);
  }
  lines.unshift(
    `${fails.length ? 'FAIL' : 'ok  '} ${app.dir.padEnd(14)} ${app.kind.padEnd(9)} app.wasm ${bytes.length} B` +
      `${isCoreModule(bytes) ? `, wrapped ${component.length} B in ${Math.round(wrapMs)} ms` : ''}, transpile ${Math.round(transpileMs)} ms`,
    `     ${timing.join('; ')}`,
    `     ${versioned.join(', ')}`,
    ...(weftImports.length ? [`     import-object keys: ${weftImports.join(', ')}`] : []),
    ...(spec.note ? [`     note: ${spec.note}`] : []),
    ...fails.map((f) => `     ! ${f}`),
  );
  return { ok: fails.length === 0, lines };
}

async function runSmoke(names) {
  const apps = selectApps(names);
  const scratch = mkdtempSync(join(tmpdir(), 'weft-smoke-'));
  let failed = 0;
  try {
    for (const app of apps) {
      if (!existsSync(join(APPS_DIR, app.dir, 'app.wasm'))) {
        console.log(`FAIL ${app.dir}: no app.wasm (run node scripts/build-apps.mjs first)`);
        failed++;
        continue;
      }
      const { ok, lines } = await smokeApp(app, scratch);
      console.log(lines.join('\n'));
      if (!ok) failed++;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(failed ? `\n${failed} app(s) failed the smoke run` : `\nall ${apps.length} app(s) passed the smoke run`);
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------

async function main(argv) {
  if (argv[0] === '--smoke-child') return smokeChild(argv[1], argv[2]);
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
