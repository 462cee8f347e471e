// Reads and parses a package directory's wapp.toml, throwing one error that lists every problem.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, parseManifest } from './parse.js';
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

export async function loadManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ManifestError(dir, code === 'ENOENT' ? `${path} does not exist: a package needs a ${MANIFEST_FILE}` : `cannot read ${path}: ${(cause as Error).message}`);
  }
  const result = parseManifest(text);
  if (!result.manifest) {
    const errors = result.problems.filter((p) => p.severity === 'error').map(formatProblem);
    throw new ManifestError(dir, `${path} is invalid:\n${errors.join('\n')}`);
  }
  return result.manifest;
}
