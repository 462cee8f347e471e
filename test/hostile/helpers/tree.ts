// Snapshots a directory tree (type, mode, size, SHA-256 or link target of every entry) to prove an operation changed nothing.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** One line per entry, sorted: `path type mode size sha256|→target`. Missing root gives []. */
export function snapshot(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const stats = lstatSync(path);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isSymbolicLink()) lines.push(`${relPath} symlink ${mode} → ${readlinkSync(path)}`);
      else if (stats.isDirectory()) {
        lines.push(`${relPath} dir ${mode}`);
        walk(path, relPath);
      } else if (stats.isFile()) lines.push(`${relPath} file ${mode} ${stats.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      else lines.push(`${relPath} other ${mode}`);
    }
  };
  walk(root, '');
  return lines;
}
