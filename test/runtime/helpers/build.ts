// Builds the runtime tests' own small apps: C (clang-14, wasm32-wasi) or WAT, optionally as components importing weft:app; cached by content hash.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHARED_CACHE } from './harness.js';

const CLANG = process.env.WEFT_CLANG ?? 'clang-14';
const ADAPTER = join(ROOT, 'vendor/wasi-preview1-adapter/wasi_snapshot_preview1.command.wasm');
const HOST_WIT = join(ROOT, 'wit/weft-app.wit');
const PROGRAMS = join(ROOT, 'test/runtime/programs');

/**
 * Whether the C test programs can be built. Without clang their suites skip, except under CI
 * (`CI` set, as .ci/run does), where a missing compiler must fail the run rather than quietly
 * drop the sandbox drift, read-only and preopen tests.
 */
export const hasClang = spawnSync(CLANG, ['--version']).status === 0;
if (!hasClang && process.env.CI) {
  throw new Error(`${CLANG} is not installed, and CI is set: the C test programs cannot be built. Install clang-14, lld-14, wasi-libc and libclang-rt-14-dev-wasm32 (or point WEFT_CLANG at a clang), or unset CI to skip these suites.`);
}

export interface BuildOptions {
  /** Imports for a component world inside package weft:app, e.g. `import notify; import ipc;`; omit for a plain preview1 module. */
  world?: string;
  /** Wrap with the preview1 adapter (default true; false for modules that import no preview1). */
  adapter?: boolean;
}

function cached(key: string, build: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const dir = join(SHARED_CACHE, 'programs');
  const path = join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.wasm`);
  if (existsSync(path)) return Promise.resolve(new Uint8Array(readFileSync(path)));
  return build().then((bytes) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, bytes);
    return bytes;
  });
}

async function toComponent(core: Uint8Array, world: string, adapter = true): Promise<Uint8Array> {
  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  const witSource = `${readFileSync(HOST_WIT, 'utf8')}\nworld test-app { ${world} }\n`;
  const embedded = await componentEmbed({ binary: core, witSource, world: 'test-app' });
  return componentNew(embedded, adapter ? [['wasi_snapshot_preview1', new Uint8Array(readFileSync(ADAPTER))]] : []);
}

/** Compiles test/runtime/programs/<name>.c (with apps/common/weft_app.c when it is a component). */
export function buildC(name: string, options: BuildOptions = {}): Promise<Uint8Array> {
  const sourcePath = join(PROGRAMS, `${name}.c`);
  const source = readFileSync(sourcePath, 'utf8');
  const common = options.world ? readFileSync(join(ROOT, 'apps/common/weft_app.c'), 'utf8') + readFileSync(join(ROOT, 'apps/common/weft_app.h'), 'utf8') : '';
  return cached(`c\0${name}\0${source}\0${common}\0${options.world ?? ''}`, async () => {
    const out = join(SHARED_CACHE, 'programs', `${name}-${process.pid}.core.wasm`);
    mkdirSync(join(SHARED_CACHE, 'programs'), { recursive: true });
    const inputs = [sourcePath, ...(options.world ? [join(ROOT, 'apps/common/weft_app.c')] : [])];
    const result = spawnSync(CLANG, ['--target=wasm32-wasi', '-O1', '-std=gnu11', '-I', join(ROOT, 'apps/common'), '-o', out, ...inputs], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${CLANG} failed for ${name}.c:\n${result.stderr}`);
    const core = new Uint8Array(readFileSync(out));
    return options.world ? toComponent(core, options.world) : core;
  });
}

/** Assembles WAT (a core module; a component when `world` is given). */
export function buildWat(wat: string, options: BuildOptions = {}): Promise<Uint8Array> {
  return cached(`wat\0${wat}\0${options.world ?? ''}\0${options.adapter ?? true}`, async () => {
    const { parse } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const core = await parse(wat);
    return options.world ? toComponent(core, options.world, options.adapter ?? true) : core;
  });
}
