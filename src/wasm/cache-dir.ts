// weft's per-user cache directory: $XDG_CACHE_HOME/weft, else ~/.cache/weft.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../config/paths.js';

export function weftCacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(env.HOME && env.HOME.length > 0 ? env.HOME : homedir(), '.cache');
  return join(base, 'weft');
}
