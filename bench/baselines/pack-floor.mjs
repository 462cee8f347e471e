// Baseline for weft-pack: the unavoidable work on a package's wasm — read + SHA-256 (check), plus transpileBytes and writing the output (install).
// usage: node pack-floor.mjs read|transpile <app.wasm> [out-dir]
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const [mode, wasm, out] = process.argv.slice(2);
const bytes = await readFile(wasm);
createHash('sha256').update(bytes).digest('hex');
if (!WebAssembly.validate(bytes) && bytes[4] === 0x01) throw new Error('invalid core module');
if (mode === 'transpile') {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const { files } = await transpileBytes(new Uint8Array(bytes), { name: 'component', instantiation: { tag: 'async' } });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(out, name)), { recursive: true });
    await writeFile(join(out, name), content);
  }
}
