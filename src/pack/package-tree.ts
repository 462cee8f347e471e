// Walks a package directory without following symlinks, listing every entry in byte order, within the package caps.
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type PackageLimits } from './limits.js';

export type TreeEntry =
  | { path: string; type: 'file'; size: number; executable: boolean }
  | { path: string; type: 'dir' }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'other'; what: string };

export interface PackageTree {
  /** Relative paths with forward slashes, parents before children, siblings in byte order. */
  entries: TreeEntry[];
  /** Sum of regular file sizes. */
  totalBytes: number;
  /** Set when the walk stopped early because a cap was reached. */
  overLimit?: 'entries' | 'bytes';
}

/** Sorts names by their UTF-8 bytes, the order WEFT's signature hash uses (JS string order differs for some characters). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function describeSpecial(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file, directory or symlink';
}

export async function walkPackage(dir: string, limits: Pick<PackageLimits, 'maxEntries' | 'maxTotalBytes'> = DEFAULT_LIMITS): Promise<PackageTree> {
  const tree: PackageTree = { entries: [], totalBytes: 0 };
  async function visit(relative: string): Promise<boolean> {
    const names = (await readdir(relative === '' ? dir : join(dir, relative))).sort(compareBytes);
    for (const name of names) {
      if (tree.entries.length >= limits.maxEntries) {
        tree.overLimit = 'entries';
        return false;
      }
      const path = relative === '' ? name : `${relative}/${name}`;
      const absolute = join(dir, path);
      const stats = await lstat(absolute);
      if (stats.isSymbolicLink()) {
        tree.entries.push({ path, type: 'symlink', target: await readlink(absolute) });
      } else if (stats.isDirectory()) {
        tree.entries.push({ path, type: 'dir' });
        if (!(await visit(path))) return false;
      } else if (stats.isFile()) {
        tree.entries.push({ path, type: 'file', size: stats.size, executable: (stats.mode & 0o111) !== 0 });
        tree.totalBytes += stats.size;
        if (tree.totalBytes > limits.maxTotalBytes) {
          tree.overLimit = 'bytes';
          return false;
        }
      } else {
        tree.entries.push({ path, type: 'other', what: describeSpecial(stats) });
      }
    }
    return true;
  }
  await visit('');
  return tree;
}
