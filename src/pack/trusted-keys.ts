// Where trusted publisher keys come from: --trusted-key files, and the *.pub files of a trusted-keys directory.
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../config/paths.js';

/** $XDG_CONFIG_HOME/weft/trusted-keys (else ~/.config/weft/trusted-keys). */
export function defaultTrustedKeysDir(env: Env = process.env): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : join(env.HOME && env.HOME.length > 0 ? env.HOME : homedir(), '.config');
  return join(config, 'weft', 'trusted-keys');
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
