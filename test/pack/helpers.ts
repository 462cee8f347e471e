// Shared test helpers for weft-pack: build once, run the real CLI, a temp workspace per suite file, recursive listings.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'dist', 'bin', 'weft-pack.js');
export const GOLDEN = join(REPO, 'test', 'pack', 'golden');
export const FIXTURES = join(GOLDEN, 'fixtures');

function newest(dir: string): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

/**
 * Compiles with tsc when dist is older than src. Other engineers' files may not type-check at a
 * given moment; tsc still emits, so only a missing output is fatal.
 */
export function ensureBuilt(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built >= newest(join(REPO, 'src'))) return;
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'pipe' });
  } catch {
    // type errors elsewhere: outputs were still written
  }
  if (!existsSync(CLI)) throw new Error(`tsc did not produce ${CLI}`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Environment for CLI runs: HOME and XDG dirs point into `home`, so nothing touches the real ~/.local/share. */
export function isolatedEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    ...extra,
  };
}

export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: (options.env ?? { PATH: process.env.PATH, HOME: '/nonexistent-home' }) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(startCli(args, options));
}

/** Resolves when `child`'s stderr contains `text`. */
export function waitForStderr(child: ChildProcess, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}" on stderr; got: ${seen}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export interface SuiteWorkspace {
  /** The directory (its name is fixed at once; it exists from beforeAll until afterAll removes it). */
  dir: string;
  /** isolatedEnv with HOME at <dir>/home. */
  env: Record<string, string | undefined>;
  /** A path `<dir>/<label>-<n>` that no earlier call returned; nothing is created there. */
  freshPath(label: string): string;
  /** Copies the package at `source` to a fresh `<dir>/pkg-<n>` and returns that path. */
  copyOf(source: string): Promise<string>;
}

/** A temp workspace for the calling suite file: made in beforeAll (then `prepare` runs in the same hook), removed in afterAll. */
export function workspaceForSuite(label: string, prepare?: (workspace: SuiteWorkspace) => Promise<void> | void): SuiteWorkspace {
  const dir = join(tmpdir(), `weft-pack-test-${label}-${randomBytes(6).toString('hex')}`);
  let made = 0;
  const freshPath = (name: string): string => join(dir, `${name}-${++made}`);
  const workspace: SuiteWorkspace = {
    dir,
    env: isolatedEnv(join(dir, 'home')),
    freshPath,
    async copyOf(source) {
      const copy = freshPath('pkg');
      await cp(source, copy, { recursive: true });
      return copy;
    },
  };
  beforeAll(async () => {
    await mkdir(dir, { mode: 0o700 });
    await prepare?.(workspace);
  });
  afterAll(() => removeDir(dir));
  return workspace;
}

/** Every path under `dir` with its type (and symlink text), sorted: for "the store is exactly as before". */
export async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(relative: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(join(dir, relative));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = await lstat(join(dir, path));
      if (stats.isSymbolicLink()) out.push(`${path} -> ${await readlink(join(dir, path))}`);
      else if (stats.isDirectory()) {
        out.push(`${path}/`);
        await walk(path);
      } else out.push(`${path} (${stats.size})`);
    }
  }
  await walk('');
  return out;
}

/** What a reader of the store can see: the `<id>` entries and everything they lead to, not .weft/ leftovers. */
export async function visibleListing(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const line of await listing(root)) {
    if (line.startsWith('.weft/')) continue;
    out.push(line);
  }
  for (const name of (await readdir(root).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort()) {
    const stats = await lstat(join(root, name));
    if (stats.isSymbolicLink()) {
      const target = join(root, await readlink(join(root, name)));
      for (const line of await listing(dirname(target))) out.push(`${name} => ${line}`);
    }
  }
  return out;
}

type InstallModule = typeof import('../../src/pack/install.js');

/**
 * installPackage/uninstallPackage from the compiled dist, loaded by Node's own loader (require of
 * an ES module, Node 20.19+): precompile.ts calls import.meta.resolve, which vitest's module
 * transform does not provide, and vitest rewrites every import() in test code.
 */
export async function installApi(): Promise<InstallModule> {
  ensureBuilt();
  return createRequire(import.meta.url)(join(REPO, 'dist', 'pack', 'install.js')) as InstallModule;
}

/** WEFT's canonical content hash, written out independently of src/pack/content-hash.ts. */
export async function weftHash(dir: string): Promise<string> {
  return createHash('sha256').update(await weftListing(dir)).digest('hex');
}

/** The `path<TAB>sha256<LF>` lines WEFT hashes, sorted by bytes. */
export async function weftListing(dir: string): Promise<Buffer> {
  const lines: Buffer[] = [];
  async function walk(relative: string): Promise<void> {
    for (const name of await readdir(join(dir, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = await lstat(join(dir, path));
      if (stats.isDirectory()) await walk(path);
      else if (stats.isFile() && path !== 'signature.sig') {
        lines.push(Buffer.from(`${path}\t${createHash('sha256').update(await readFile(join(dir, path))).digest('hex')}\n`));
      }
    }
  }
  await walk('');
  lines.sort(Buffer.compare);
  return Buffer.concat(lines);
}
