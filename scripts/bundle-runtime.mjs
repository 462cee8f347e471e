// Bundles weft-runtime's two threads into one file each (dist/bundle/), so a runtime start loads two files instead of dozens of ESM modules.
// Run after tsc (npm run build, scripts/ensure-built.mjs); docs/architecture/runtime.md, "Start-up".
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Each thread's entry (tsc's output) and its bundle; dist/bundle sits at the depth of dist/wasm, so `new URL('../../vendor/…', import.meta.url)` resolves the same from either. */
export const RUNTIME_BUNDLES = [
  { entry: join(dist, 'runtime', 'main-thread', 'main.js'), out: join(dist, 'bundle', 'runtime-main-thread.mjs') },
  { entry: join(dist, 'runtime', 'wasm-thread', 'worker.js'), out: join(dist, 'bundle', 'runtime-wasm-thread.mjs') },
];

for (const { entry, out } of RUNTIME_BUNDLES) {
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // preview2-shim starts its own I/O worker from a path beside its modules, and jco-transpile is
    // large and loaded only to transpile on the fly: both stay in node_modules, loaded as they are.
    external: ['@bytecodealliance/*'],
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  });
}
