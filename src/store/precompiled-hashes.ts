// SHA-256 of every precompiled file, recorded at install and checked by the runtime before it loads any of them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Relative path (with `/`) → SHA-256 hex, for every regular file under `dir`. */
export function hashPrecompiled(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out[relative(dir, path).split(sep).join('/')] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/**
 * The first way the precompiled files under `dir` differ from the recorded hashes (a changed,
 * missing or added file), or null when they match.
 */
export function precompiledMismatch(dir: string, recorded: Readonly<Record<string, string>>): string | null {
  let actual: Record<string, string>;
  try {
    actual = hashPrecompiled(dir);
  } catch (cause) {
    return `cannot read ${dir}: ${(cause as Error).message}`;
  }
  for (const [file, sha] of Object.entries(recorded)) {
    if (actual[file] === undefined) return `${file} is missing`;
    if (actual[file] !== sha) return `${file} has changed since it was installed`;
  }
  const added = Object.keys(actual).find((file) => recorded[file] === undefined);
  return added ? `${added} was not there at install` : null;
}
