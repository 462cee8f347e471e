// Reads and parses a package directory's wapp.toml, throwing one error that lists every problem.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest } from './parse.js';
import { formatProblem } from './problem.js';
import type { Manifest } from './types.js';

export class ManifestError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Reads a manifest that may be hostile: opened non-blocking (a FIFO must not hang the reader),
 * refused unless it is a regular file, and never read past the size cap (/dev/zero, sparse files).
 */
async function readManifestText(dir: string, path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ManifestError(dir, code === 'ENOENT' ? `${path} does not exist: a package needs a ${MANIFEST_FILE}` : `cannot read ${path}: ${(cause as Error).message}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ManifestError(dir, `${path} is not a regular file`);
    if (stats.size > MAX_MANIFEST_BYTES) throw new ManifestError(dir, `${path} is ${stats.size} bytes; the limit is ${MAX_MANIFEST_BYTES}`);
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0);
    if (bytesRead > MAX_MANIFEST_BYTES) throw new ManifestError(dir, `${path} is over the ${MAX_MANIFEST_BYTES}-byte limit`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function loadManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  const text = await readManifestText(dir, path);
  const result = parseManifest(text);
  if (!result.manifest) {
    const errors = result.problems.filter((p) => p.severity === 'error').map(formatProblem);
    throw new ManifestError(dir, `${path} is invalid:\n${errors.join('\n')}`);
  }
  return result.manifest;
}
