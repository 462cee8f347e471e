// Bundles weft-runtime's two threads into one file each (dist/bundle/), so a runtime start loads two files instead of dozens of ESM modules.
// Run after tsc (npm run build, scripts/ensure-built.mjs); docs/architecture/runtime.md, "Start-up".
import { build, version } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/**
 * Each thread's entry (tsc's output) and its bundle; dist/bundle sits at the depth of dist/wasm, so
 * `new URL('../../vendor/…', import.meta.url)` resolves the same from either. The wasm thread's
 * bundle is CommonJS: a worker started from an ES module first sets up Node's ES module loader
 * in its fresh isolate, ~15–20 ms of its boot on the way to every cold READY; a CommonJS worker
 * does not, until a session imports one of preview2-shim's ES modules (only the I/O side, which
 * sessions with files, sockets or http load). preview2-shim's `random`, which every session uses,
 * imports only node:crypto and is bundled in.
 */
export const RUNTIME_BUNDLES = [
  { entry: join(dist, 'runtime', 'main-thread', 'main.js'), out: join(dist, 'bundle', 'runtime-main-thread.mjs'), format: 'esm', external: ['@bytecodealliance/*'] },
  {
    entry: join(dist, 'runtime', 'wasm-thread', 'worker.js'),
    out: join(dist, 'bundle', 'runtime-wasm-thread.cjs'),
    format: 'cjs',
    external: ['@bytecodealliance/preview2-shim/io', '@bytecodealliance/preview2-shim/clocks', '@bytecodealliance/preview2-shim/filesystem', '@bytecodealliance/preview2-shim/sockets', '@bytecodealliance/preview2-shim/http', '@bytecodealliance/jco-transpile'],
  },
];

/**
 * A name for this build of the runtime: the SHA-256 of everything bundled from dist/runtime and
 * dist/wasm and of esbuild's version. The wasm thread puts it into its glue cache key, so a cached
 * script an older runtime wrote is never run by a newer one (entry-loader.ts).
 */
function runtimeBuildId() {
  const hash = createHash('sha256').update(`esbuild ${version}\0`);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) hash.update(`${path.slice(dist.length)}\0`).update(readFileSync(path));
    }
  };
  for (const dir of ['runtime', 'wasm', 'config', 'protocol', 'manifest']) walk(join(dist, dir));
  return hash.digest('hex').slice(0, 16);
}
const define = { __weftRuntimeBuild: JSON.stringify(runtimeBuildId()) };

for (const { entry, out, format, external } of RUNTIME_BUNDLES) {
  await build({
    define,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format,
    target: 'node20.19',
    // preview2-shim's I/O side starts its own I/O worker from a path beside its modules, and
    // jco-transpile is large and loaded only to transpile on the fly: both stay in node_modules,
    // loaded as they are.
    external,
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  });
}
