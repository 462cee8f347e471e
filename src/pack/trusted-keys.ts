// Where trusted publisher keys come from: --trusted-key files, and the *.pub files of a trusted-keys directory.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configHome, type Env } from '../config/paths.js';

/** $XDG_CONFIG_HOME/weft/trusted-keys (else ~/.config/weft/trusted-keys). */
export function defaultTrustedKeysDir(env: Env = process.env): string {
  return join(configHome(env), 'weft', 'trusted-keys');
}

/** The `*.pub` files in `dir`, sorted; a missing directory holds none. */
export async function trustedKeyFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
  return names
    .filter((name) => name.endsWith('.pub'))
    .sort()
    .map((name) => join(dir, name));
}
