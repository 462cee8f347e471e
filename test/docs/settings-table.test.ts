// docs/architecture/settings.md is the one list of weft's environment variables: every WEFT_* name the source reads appears in it, and every name it lists is still read somewhere.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Constants named WEFT_* that are not environment variables. */
const NOT_SETTINGS = new Set(['WEFT_DIR', 'WEFT_ROOT_PARTS', 'WEFT_APPD_JS']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const names = (text: string): Set<string> => new Set(text.match(/\bWEFT_[A-Z0-9_]*[A-Z0-9]\b/g) ?? []);

describe('settings table', () => {
  const table = readFileSync(join(ROOT, 'docs/architecture/settings.md'), 'utf8');
  const read = new Set([...sourceFiles(join(ROOT, 'src'))].flatMap((file) => [...names(readFileSync(file, 'utf8'))]).filter((name) => !NOT_SETTINGS.has(name)));

  it('lists every WEFT_* variable the source reads', () => {
    expect([...read].filter((name) => !table.includes(`\`${name}\``)).sort()).toEqual([]);
  });

  it('lists no WEFT_* variable the source no longer reads (the app-visible ones aside)', () => {
    const testOnly = new Set(['WEFT_TEST_SYSTEMD', 'WEFT_TEST_CYCLES', 'WEFT_CLANG']);
    expect([...names(table)].filter((name) => !read.has(name) && !testOnly.has(name)).sort()).toEqual([]);
  });
});
