// Whether one absolute path lies inside another: the single containment test behind every "stays inside its root" check.
import { sep } from 'node:path';

/**
 * True when `path` is `root` itself or lies below it. Both are absolute, normalized paths (real
 * paths when symlinks matter: this compares text, it does not touch the file system). A root
 * written with trailing separators (`/srv/app/`) means the same directory as without, and the
 * root `/` contains every absolute path. `/srv/app-data` is not inside `/srv/app`.
 */
export function isInside(root: string, path: string): boolean {
  let end = root.length;
  while (end > 0 && root[end - 1] === sep) end--;
  const base = root.slice(0, end); // '' for the file-system root
  return path === base || path.startsWith(base + sep);
}
