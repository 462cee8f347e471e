// The escape app's routes (apps/escape, see docs/architecture/apps.md) and a parser for its `ROUTE <name> <verdict>` lines.

export const ESCAPE_ROUTES = [
  'dotdot-file',
  'dotdot-dir',
  'relative',
  'absolute',
  'etc-dir',
  'abs-symlink',
  'rel-symlink',
  'planted',
  'opendir-root',
  'rename-out',
  'hardlink-out',
  'hardlink-in',
] as const;

/** route → `DENIED <ERRNO>` | `ESCAPED` | `SKIPPED`, from the app's stdout lines. */
export function routeVerdicts(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const match = /^ROUTE (\S+) (.+)$/.exec(line.trim());
    if (match) out[match[1] as string] = match[2] as string;
  }
  return out;
}
