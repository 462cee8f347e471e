// weft's version, read once from package.json (weft-appd's DAEMON_STATUS, weft-pack --version).
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function weftVersion(): string {
  if (cached === null) {
    try {
      // dist/appd/version.js → package.json at the package root.
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
