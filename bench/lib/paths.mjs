// Fixed paths of the repository, the bench directory and its cache.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = join(benchDir, '..');
export const cacheDir = join(benchDir, '.cache');
export const distDir = join(repoDir, 'dist');
export const appsDir = join(repoDir, 'apps');
export const adapterPath = join(repoDir, 'vendor', 'wasi-preview1-adapter', 'wasi_snapshot_preview1.command.wasm');
export const bin = {
  appd: join(distDir, 'bin', 'weft-appd.js'),
  runtime: join(distDir, 'bin', 'weft-runtime.js'),
  pack: join(distDir, 'bin', 'weft-pack.js'),
};
