// Contract tests for every assumption weft makes about jco-transpile and preview2-shim (src/wasm/jco-adapter.ts, src/runtime/wasm-thread/shim-adapter/): an upgrade that breaks one fails here, naming it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComponentJs } from '../../src/runtime/wasm-thread/entry-loader.js';
import { componentJsAsScript, isFailure, JCO_TRAP_PREFIX, rehearseInstantiate, trapText, withoutGuardedJspiProbes, type Instantiate } from '../../src/runtime/wasm-thread/shim-adapter/component-js.js';
import { errPayload, fsErrorCode, HTTP_REQUEST_DENIED, IoError, STREAM_CLOSED } from '../../src/runtime/wasm-thread/shim-adapter/errors.js';
import { CABI_REP, DISPOSE, dropResource, HIGHEST_REP, withoutShimDispose } from '../../src/runtime/wasm-thread/shim-adapter/resources.js';
import { loadHttpShim, loadRandomShim, loadShimIo, loadSocketsShim } from '../../src/runtime/wasm-thread/shim-adapter/shim.js';
import { wasmKind } from '../../src/wasm/binary.js';
import { isRunExport } from '../../src/wasm/entry-point.js';
import { PREVIEW1_MODULE, transpileForRuntime, transpilerId, wrapPreview1 } from '../../src/wasm/jco-adapter.js';
import { precompile } from '../../src/wasm/precompile.js';
import { WebAssemblyApi, type WasmModule } from '../../src/wasm/webassembly-api.js';
import { ROOT } from './helpers/harness.js';

const work = mkdtempSync(join(tmpdir(), 'weft-jco-contract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PINNED = ['@bytecodealliance/jco-transpile', '@bytecodealliance/preview2-shim'] as const;

function installedVersion(name: string): string {
  // The package root: resolve its main entry, then walk up to the package.json that names it.
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '';
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${name}'s package.json`);
    dir = up;
  }
}

describe('pinned versions', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

  it.each(PINNED)('%s is pinned to an exact version, and that version is the one installed', (name) => {
    const wanted = manifest.dependencies[name];
    expect(wanted, `package.json must pin ${name} exactly (weft relies on its internals)`).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installedVersion(name), `installed ${name} differs from package.json: run npm install`).toBe(wanted);
  });
});

/** A component exporting wasi:cli/run whose core `run` does `body` (returning 0 = ok, 1 = err). */
const runComponent = (body: string): Promise<Uint8Array> =>
  parse(`(component
    (core module $m (func (export "run") (result i32) ${body}))
    (core instance $i (instantiate $m))
    (func $run (result (result)) (canon lift (core func $i "run")))
    (instance $inst (export "run" (func $run)))
    (export "wasi:cli/run@0.2.0" (instance $inst)))`);

/** Transpiles `component` with weft's options into a fresh dir and loads it the way the runtime does (script + code cache). */
async function loadTranspiled(component: Uint8Array, name: string): Promise<{ instantiate: Instantiate; module: (file: string) => WasmModule; source: string }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const { files } = await transpileForRuntime(component, 'component.js');
  for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
  const entry = await loadComponentJs(pathToFileURL(join(dir, 'component.js')).href, join(work, `${name}-v8`));
  return { instantiate: entry.instantiate, module: (file) => new WebAssemblyApi.Module(readFileSync(join(dir, file))), source: readFileSync(join(dir, 'component.js'), 'utf8') };
}

async function runOf(component: Uint8Array, name: string): Promise<() => unknown> {
  const { instantiate, module } = await loadTranspiled(component, name);
  const exports = await instantiate(module, {}, (compiled, imports) => new WebAssemblyApi.Instance(compiled, imports));
  return (exports['wasi:cli/run@0.2.0'] as { run: () => unknown }).run;
}

/** What run() threw, or the string 'returned'. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
    return 'returned';
  } catch (thrown) {
    return thrown;
  }
}

describe('jco-transpile as src/wasm/jco-adapter.ts uses it', () => {
  it('transpilerId: names the installed, pinned jco-transpile', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(await transpilerId()).toBe(`@bytecodealliance/jco-transpile@${manifest.dependencies['@bytecodealliance/jco-transpile']}`);
  });

  it(`wrapPreview1: componentNew with the vendored adapter named ${PREVIEW1_MODULE} turns a preview1 command into a component exporting wasi:cli/run`, async () => {
    const core = await parse('(module (func (export "_start")) (memory (export "memory") 1))');
    const component = await wrapPreview1(core);
    expect(wasmKind(component), 'wrapPreview1 no longer returns a component').toBe('component');
    const { exports } = await transpileForRuntime(component, 'component.js');
    expect(exports.some(isRunExport), `the wrapped component no longer exports wasi:cli/run (exports: ${exports.join(', ')})`).toBe(true);
  });

  it('transpileForRuntime: a flat directory with `<name>.js` and its core wasm files, imports by interface name, exports by versioned name', async () => {
    const { files, imports, exports } = await transpileForRuntime(readFileSync(join(ROOT, 'apps/wasip2-shaped/app.wasm')), 'component.js');
    expect([...files.keys()].sort()[0], 'jco no longer names core modules <name>.core*.wasm').toMatch(/^component\.core\d*\.wasm$/);
    expect([...files.keys()].filter((f) => !/^component\.(js|core\d*\.wasm)$/.test(f)), 'jco wrote files weft does not expect').toEqual([]);
    expect(imports.length).toBeGreaterThan(0);
    for (const name of imports) expect(name, 'jco no longer reports imports as unversioned interface names (package:namespace/interface)').toMatch(/^[a-z-]+:[a-z-]+\/[a-z-]+$/);
    expect(exports, 'jco no longer reports exports by versioned interface name').toContain('wasi:cli/run@0.2.0');
  });
});

describe("jco's generated component.js as shim-adapter/component-js.ts reads it", () => {
  it('componentJsAsScript: jco\'s module is import-free and declares `export function instantiate(getCoreModule, imports, instantiateCore`', async () => {
    const { files } = await transpileForRuntime(await runComponent('i32.const 0'), 'component.js');
    const source = new TextDecoder().decode(files.get('component.js'));
    expect(source, 'component.js must not import anything (WASI comes through the import object)').not.toMatch(/^\s*import[\s{*]/m);
    expect(source, 'component.js must export `function instantiate(getCoreModule, imports, instantiateCore`').toMatch(/^export function instantiate\(getCoreModule, imports, instantiateCore/m);
    expect(componentJsAsScript(source), 'componentJsAsScript no longer recognises jco\'s output (launches lose the code cache)').not.toBeNull();
  });

  it('Instantiate: instantiate(getCoreModule, imports, instantiateCore) builds the component from weft\'s own core instances', async () => {
    const made: WasmModule[] = [];
    const { instantiate, module } = await loadTranspiled(await runComponent('i32.const 0'), 'instantiate');
    const exports = await instantiate(module, {}, (compiled, imports) => {
      made.push(compiled);
      return new WebAssemblyApi.Instance(compiled, imports);
    });
    expect(made.length, 'instantiate no longer goes through instantiateCore').toBeGreaterThan(0);
    expect(thrownBy((exports['wasi:cli/run@0.2.0'] as { run: () => unknown }).run)).toBe('returned');
  });

  it("isFailure: run's err result is thrown as a non-Error (its payload), a trap as an Error", async () => {
    const err = thrownBy(await runOf(await runComponent('i32.const 1'), 'err'));
    expect(err, 'run() returning err no longer throws').not.toBe('returned');
    expect(isFailure(err), 'jco now throws an Error for an err result: the runtime would report a trap instead of exit status 1').toBe(false);
    const trap = thrownBy(await runOf(await runComponent('unreachable'), 'trap'));
    expect(isFailure(trap), 'a trap no longer throws an Error').toBe(true);
  });

  it(`trapText: jco words traps "${JCO_TRAP_PREFIX}…" as wasmtime does`, async () => {
    const trap = thrownBy(await runOf(await runComponent('unreachable'), 'trap-text')) as Error;
    expect(trap).toBeInstanceOf(WebAssemblyApi.RuntimeError);
    expect(trap.message, 'jco no longer prefixes trap messages the way trapText strips').toMatch(new RegExp(`^${JCO_TRAP_PREFIX}`));
    expect(trapText(trap.message)).toBe('wasm `unreachable` instruction executed');
  });

  it('plainEnvForJcoDebugReads: the glue still reads process.env.JCO_DEBUG (else the copy is pointless)', async () => {
    const { source } = await loadTranspiled(await runComponent('i32.const 0'), 'debug');
    expect(source, 'jco no longer reads JCO_DEBUG: drop plainEnvForJcoDebugReads').toMatch(/process\??\.env\??\.JCO_DEBUG/);
  });

  it("CABI_REP, DISPOSE, HIGHEST_REP, errPayload: the glue keys host resources by Symbol.for('cabiRep'), drops them through Symbol.dispose, flags ownership with bit 30, and lowers thrown errors by `payload`", async () => {
    const { source } = await loadTranspiled(readFileSync(join(ROOT, 'apps/wasip2-shaped/app.wasm')), 'resources');
    expect(CABI_REP).toBe(Symbol.for('cabiRep'));
    expect(source, "the glue no longer keys host resources by Symbol.for('cabiRep')").toContain("Symbol.for('cabiRep')");
    expect(source, 'the glue no longer calls Symbol.dispose (or Symbol.for("dispose")) on drop').toContain("Symbol.dispose || Symbol.for('dispose')");
    expect(DISPOSE).toBe((Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose'));
    expect(source, 'the glue no longer flags owned handles with bit 30: HIGHEST_REP may collide').toMatch(/T_FLAG = 1 << 30/);
    expect(HIGHEST_REP).toBe(2 ** 30 - 1);
    expect(source, 'the glue no longer lowers a thrown value by its own `payload` (errPayload)').toMatch(/function getErrorPayload\(e\) \{\s*if \(e && hasOwnProperty\.call\(e, 'payload'\)\) return e\.payload;\s*if \(e instanceof Error\) throw e;\s*return e;/);
    expect(errPayload(new IoError('x'))).toEqual({ payload: 'x' });
    expect(errPayload('no-entry')).toEqual({ payload: 'no-entry' });
    expect(errPayload(new Error('boom'))).toBeNull();
  });
});

describe("rehearseInstantiate: a warm runtime runs jco's glue before the session, and nothing of the app", () => {
  it('the glue reads every import and waits for a core module before instantiating one (counter: WASI and weft:app imports)', async () => {
    const out = join(work, 'rehearse');
    await precompile(readFileSync(join(ROOT, 'apps/counter/app.wasm')), out);
    const entry = await loadComponentJs(pathToFileURL(join(out, 'component.js')).href, join(work, 'rehearse-v8'));
    const source = readFileSync(join(out, 'component.js'), 'utf8');
    const read: string[] = [];
    const cores: unknown[] = [];
    const imports = new Proxy({}, { get: (_t, key) => (read.push(String(key)), new Proxy({}, { get: () => () => {} })) });
    // A second evaluation of component.js, as the loader's rehearse() makes.
    const fresh = (await import(`${pathToFileURL(join(out, 'component.js')).href}?rehearsal`)) as { instantiate: Instantiate };
    const spy: Instantiate = (getCoreModule, _imports, instantiateCore) =>
      fresh.instantiate(getCoreModule, imports, (...args) => {
        cores.push(args[0]);
        return instantiateCore(...args);
      });
    expect(() => rehearseInstantiate(spy), "jco's instantiate no longer waits for its core modules before instantiating one").not.toThrow();
    expect(cores, 'a rehearsal reached instantiateCore: app code could run').toEqual([]);
    const keys = [...new Set([...source.matchAll(/\bimports\['([^'\\]+)'\]/g)].map((m) => m[1]))];
    expect(keys.length).toBeGreaterThan(5);
    expect(new Set(read), 'the glue no longer reads every import before its first core module (the rehearsal leaves code uncompiled)').toEqual(new Set(keys));
    // The session's own instantiate is untouched by the rehearsal and still builds the app.
    entry.rehearse();
    expect(typeof entry.instantiate).toBe('function');
  });

  it('withoutGuardedJspiProbes: the glue probes JSPI as `try { x = WebAssembly.promising(f); } catch(err) { x = f; }`, and only that form is resolved', async () => {
    const out = join(work, 'promising');
    await precompile(readFileSync(join(ROOT, 'apps/counter/app.wasm')), out);
    const source = readFileSync(join(out, 'component.js'), 'utf8');
    const count = (text: string): number => (text.match(/WebAssembly\.promising\(/g) ?? []).length;
    const resolved = withoutGuardedJspiProbes(source);
    expect(count(source), 'the glue no longer probes WebAssembly.promising: drop withoutGuardedJspiProbes').toBeGreaterThan(0);
    expect(count(resolved), 'a JSPI probe in the glue is no longer in the guarded form withoutGuardedJspiProbes resolves (each costs a re-parse of instantiate per launch)').toBe(0);
    expect(resolved).toMatch(/realloc0Async = exports1\.cabi_realloc;/);
    // An unguarded call (jco's async-lifted exports) is left to throw without JSPI, as before.
    const unguarded = 'exports0Run = WebAssembly.promising(exports0.run);';
    expect(withoutGuardedJspiProbes(unguarded)).toBe(unguarded);
    if (typeof (WebAssemblyApi as unknown as { promising?: unknown }).promising !== 'function') {
      expect(count(componentJsAsScript(source) ?? ''), 'componentJsAsScript no longer resolves the probes where V8 has no JSPI').toBe(0);
    }
  });

  it("the loader's rehearse() leaves the session's instantiate working", async () => {
    const dir = join(work, 'rehearse-run');
    mkdirSync(dir, { recursive: true });
    const { files } = await transpileForRuntime(await runComponent('i32.const 0'), 'component.js');
    for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
    const entry = await loadComponentJs(pathToFileURL(join(dir, 'component.js')).href, join(work, 'rehearse-run-v8'));
    entry.rehearse();
    const exports = await entry.instantiate((file) => new WebAssemblyApi.Module(readFileSync(join(dir, file))), {}, (compiled, imports) => new WebAssemblyApi.Instance(compiled, imports));
    expect(thrownBy((exports['wasi:cli/run@0.2.0'] as { run: () => unknown }).run)).toBe('returned');
  });
});

describe("jco's generated component.js (the entry loader's fast path)", () => {
  it('is an import-free module exporting `function instantiate`, which the loader compiles as a cached script', async () => {
    const out = join(work, 'entry');
    await precompile(readFileSync(join(ROOT, 'apps/wasip2-shaped/app.wasm')), out);
    const source = readFileSync(join(out, 'component.js'), 'utf8');
    expect(source, 'component.js must not import anything (WASI comes through the import object)').not.toMatch(/^\s*import[\s{*]/m);
    expect(source, 'component.js must export `function instantiate(getCoreModule, imports, instantiateCore`').toMatch(/^export function instantiate\(getCoreModule, imports, instantiateCore/m);
    // The loader rewrites the module into a script only when it recognises jco's shape; then a
    // V8 code cache is written. If jco's output changes shape, the loader silently falls back to
    // import() (slower launches): this catches it.
    const cacheDir = join(work, 'v8');
    const entry = await loadComponentJs(pathToFileURL(join(out, 'component.js')).href, cacheDir);
    expect(typeof entry.instantiate).toBe('function');
    entry.saveCodeCache();
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.v8')), 'the fast (script + code cache) path was not taken').toHaveLength(1);
  });
});

describe("preview2-shim's classes and resource reps", () => {
  it('exports the classes weft subclasses or checks with instanceof', async () => {
    const shim = await loadShimIo();
    for (const [what, value] of [
      ['io.poll.Pollable', shim.io.poll.Pollable],
      ['io.streams.InputStream', shim.io.streams.InputStream],
      ['io.streams.OutputStream', shim.io.streams.OutputStream],
      ['io.error.Error', shim.io.error.Error],
      ['filesystem.types.Descriptor', shim.filesystem.types.Descriptor],
    ] as const) {
      expect(typeof value, `preview2-shim no longer exports ${what}`).toBe('function');
    }
    expect(typeof shim.io.poll.poll).toBe('function');
    expect(typeof shim.clocks.monotonicClock.subscribeInstant).toBe('function');
    expect(typeof shim.filesystem.createFilesystem).toBe('function');
  });

  it('loadRandomShim, loadSocketsShim, loadHttpShim: the modules export what shim.ts types', async () => {
    const random = await loadRandomShim();
    for (const name of ['random', 'insecure', 'insecureSeed'] as const) expect(typeof random[name], `preview2-shim/random no longer exports ${name}`).toBe('object');
    const sockets = (await loadSocketsShim()).createSockets({ enableNetwork: false });
    for (const name of ['instanceNetwork', 'ipNameLookup', 'network', 'tcp', 'tcpCreateSocket', 'udp', 'udpCreateSocket']) expect(typeof sockets[name], `createSockets() no longer returns ${name}`).toBe('object');
    const http = await loadHttpShim();
    expect(typeof http.outgoingHandler.handle, 'preview2-shim/http no longer exports outgoingHandler.handle').toBe('function');
    expect(typeof http.types, 'preview2-shim/http no longer exports types').toBe('object');
  });

  it('withoutShimDispose: the classes weft subclasses construct without arguments, and their own dispose needs the shim\'s private state', async () => {
    const shim = await loadShimIo();
    for (const [what, Base] of [
      ['io.poll.Pollable', shim.io.poll.Pollable],
      ['io.streams.InputStream', shim.io.streams.InputStream],
      ['io.streams.OutputStream', shim.io.streams.OutputStream],
    ] as const) {
      const Sub = class extends (Base as new () => object) {};
      expect(() => new Sub(), `a subclass of preview2-shim's ${what} cannot be built with super()`).not.toThrow();
      withoutShimDispose(Sub);
      const instance = new Sub();
      expect(() => dropResource(instance), `dropping weft's subclass of ${what} reached the shim's dispose`).not.toThrow();
    }
  });

  it('fsErrorCode, createFilesystem: the shim serves exactly the given preopens and throws wasi:filesystem codes as plain strings', async () => {
    const shim = await loadShimIo();
    const host = join(work, 'preopen');
    mkdirSync(host, { recursive: true });
    const dirs = shim.filesystem.createFilesystem({ preopens: { '/data': host } }).preopens.getDirectories();
    expect(dirs.map(([, guest]) => guest), 'createFilesystem no longer serves exactly the given preopens').toEqual(['/data']);
    const [root] = dirs[0]!;
    let thrown: unknown = null;
    try {
      root.openAt({}, 'missing.txt', {}, { read: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'the shim no longer throws wasi:filesystem error codes as plain strings').toBe('no-entry');
    expect(fsErrorCode({ code: 'ENOENT' })).toBe(thrown);
    dropResource(root);
  });

  it('STREAM_CLOSED, HTTP_REQUEST_DENIED, IoError: the shim shapes stream errors as { tag }, names the http denial case so, and gives wasi:io errors toDebugString', async () => {
    const shim = await loadShimIo();
    const ioError = shim.io.error.Error as unknown as { prototype: Record<string, unknown> };
    expect(typeof ioError.prototype.toDebugString, "preview2-shim's io error no longer has toDebugString (weft's IoError mirrors it)").toBe('function');
    expect(typeof IoError.prototype.toDebugString).toBe('function');
    const shimDir = dirname(createRequire(import.meta.url).resolve('@bytecodealliance/preview2-shim/io'));
    const ioSource = readdirSync(join(shimDir, '..', 'io')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(shimDir, '..', 'io', f), 'utf8')).join('\n');
    expect(ioSource, `preview2-shim no longer throws ${JSON.stringify(STREAM_CLOSED)} for a closed stream`).toContain(`throw { tag: "${STREAM_CLOSED.tag}" }`);
    const httpTypes = readFileSync(join(shimDir, '..', '..', 'types', 'interfaces', 'wasi-http-types.d.ts'), 'utf8');
    expect(httpTypes, `wasi:http's error-code no longer has the case ${HTTP_REQUEST_DENIED.tag}`).toContain(HTTP_REQUEST_DENIED.tag);
  });

  it("_addPreopen (scripts/build-apps.mjs gives componentEmbed the WIT dir through it): preview2-shim/filesystem still exports it", async () => {
    const fs = (await import('@bytecodealliance/preview2-shim/filesystem')) as { _addPreopen?: unknown };
    expect(typeof fs._addPreopen, 'preview2-shim/filesystem no longer exports _addPreopen').toBe('function');
  });

  it("keys its own resources by Symbol.for('cabiRep') with small numbers (weft's reps sit above 2^29)", async () => {
    const shim = await loadShimIo();
    const pollable = shim.clocks.monotonicClock.subscribeInstant(0n) as Record<symbol, unknown>;
    expect(pollable).toBeInstanceOf(shim.io.poll.Pollable);
    const rep = pollable[CABI_REP];
    expect(typeof rep, "preview2-shim's pollables no longer carry a Symbol.for('cabiRep') rep").toBe('number');
    expect(rep as number).toBeLessThan(2 ** 29);
  });
});

describe('the adapter is the only place that knows jco and preview2-shim', () => {
  const SRC = join(ROOT, 'src');
  const ADAPTERS = ['wasm/jco-adapter.ts', 'runtime/wasm-thread/shim-adapter/'];
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it.each([
    ['imports @bytecodealliance packages', /@bytecodealliance\//],
    ["names jco's resource symbols", /Symbol\.for\('(cabiRep|dispose)'\)|Symbol\.dispose/],
    ['names the preview1 adapter wasm', /wasi_snapshot_preview1\.command\.wasm/],
  ])('no file outside the adapters %s', (_what, pattern) => {
    const outside = files(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => !ADAPTERS.some((a) => file.startsWith(a)))
      .filter((file) => pattern.test(readFileSync(join(SRC, file), 'utf8').replace(/^\s*(\/\/|\/\*|\*).*$/gm, '')));
    expect(outside).toEqual([]);
  });
});
