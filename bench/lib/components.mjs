// Wraps preview1 core modules into command components (componentNew + vendored adapter) and transpiles them, cached under bench/.cache.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { adapterPath, cacheDir } from './paths.mjs';

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** True for a component binary (layer 1), false for a core module. */
export function isComponent(bytes) {
  return bytes.length >= 8 && bytes[6] === 0x01 && bytes[7] === 0x00 && bytes[4] !== 0x01;
}

/** A command component for a wasm file: the file itself if it is one, else it wrapped with the preview1 adapter. */
export async function commandComponent(wasmPath) {
  const bytes = new Uint8Array(await readFile(wasmPath));
  if (isComponent(bytes)) return { path: wasmPath, bytes };
  const out = join(cacheDir, 'components', `${sha(bytes).slice(0, 16)}.wasm`);
  if (!existsSync(out)) {
    const { componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
    const adapter = new Uint8Array(await readFile(adapterPath));
    const component = await componentNew(bytes, [['wasi_snapshot_preview1', adapter]]);
    await atomicWrite(out, component);
  }
  return { path: out, bytes: new Uint8Array(await readFile(out)) };
}

/** Transpiles a component (instantiation: async, nothing mapped) once; returns the dir holding component.js and its core wasm files. */
export async function transpiledComponent(componentPath) {
  const bytes = new Uint8Array(await readFile(componentPath));
  const dir = join(cacheDir, 'transpiled', sha(bytes).slice(0, 16));
  if (!existsSync(join(dir, 'component.js'))) {
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    const { files } = await transpileBytes(bytes, { name: 'component', instantiation: { tag: 'async' }, noTypescript: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(tmp, name)), { recursive: true });
      await writeFile(join(tmp, name), content);
    }
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  }
  return dir;
}

async function atomicWrite(path, bytes) {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
