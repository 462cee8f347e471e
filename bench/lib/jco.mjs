// Installs the jco CLI (baseline B only, not a weft dependency) into bench/.cache/jco on first use and returns its entry script.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths.mjs';

export const JCO_VERSION = '1.35.0';

/** Path of jco's CLI script (run it with `node <path> run <component>`). */
export function ensureJco(log = () => {}) {
  const prefix = join(cacheDir, 'jco');
  const pkgDir = join(prefix, 'node_modules', '@bytecodealliance', 'jco');
  const stamp = join(pkgDir, 'package.json');
  if (!existsSync(stamp)) {
    log(`installing @bytecodealliance/jco@${JCO_VERSION} into ${prefix} (first use, ~340 MB)…`);
    execFileSync(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `@bytecodealliance/jco@${JCO_VERSION}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  const pkg = JSON.parse(readFileSync(stamp, 'utf8'));
  if (pkg.version !== JCO_VERSION) throw new Error(`bench/.cache/jco has jco ${pkg.version}, expected ${JCO_VERSION}: delete bench/.cache/jco`);
  const cli = join(pkgDir, typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.jco);
  if (!existsSync(cli)) throw new Error(`jco installed but ${cli} is missing`);
  return cli;
}
