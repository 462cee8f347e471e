// Resolves a path named by the manifest inside a package, refusing anything that escapes it through `..` or symlinks.
import type { Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from '../fs/inside.js';
import { describeSpecial } from './package-tree.js';

/** The shared containment test, under the name the pack modules import. */
export { isInside as isWithin };

export type Inside =
  | { ok: true; real: string; stats: Stats }
  | { ok: false; why: 'missing' | 'dangling' | 'outside' | 'directory' | 'special'; message: string };

/** Finds the regular file `relative` names inside `root` (a real path), following only symlinks that stay inside. */
export async function resolveFileInside(rootReal: string, relative: string): Promise<Inside> {
  const absolute = join(rootReal, relative);
  let linkStats: Stats;
  try {
    linkStats = await lstat(absolute);
  } catch {
    return { ok: false, why: 'missing', message: `"${relative}" does not exist in the package` };
  }
  const linkText = linkStats.isSymbolicLink() ? await readlink(absolute) : null;
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return { ok: false, why: 'dangling', message: `"${relative}" is a symlink to "${linkText ?? '?'}", which does not exist` };
  }
  if (!isInside(rootReal, real) || real === rootReal) {
    const how = linkText !== null ? `is a symlink to "${linkText}", which` : 'goes through a symlinked directory that';
    return { ok: false, why: 'outside', message: `"${relative}" ${how} leads outside the package` };
  }
  const stats = await stat(real);
  if (stats.isDirectory()) return { ok: false, why: 'directory', message: `"${relative}" is a directory, not a file` };
  if (!stats.isFile()) return { ok: false, why: 'special', message: `"${relative}" is ${describeSpecial(stats)}, not a regular file` };
  return { ok: true, real, stats };
}
