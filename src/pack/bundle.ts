// `<id>.app.tar.zst` bundles: writing one from a checked package, and unpacking one safely (listing rules, caps, one folder named after the id).
import { once } from 'node:events';
import { lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { MANIFEST_FILE, parseManifest } from '../manifest/parse.js';
import { checkPackage } from './check.js';
import { PackError } from './errors.js';
import { DEFAULT_LIMITS } from './limits.js';
import { BLOCK, encodeHeader, paddingAfter } from './tar-format.js';
import { BundleRejection, extractTar, type ExtractLimits } from './tar-extract.js';
import { compressToFd, decompressFile, ZSTD_MAGIC } from './zstd.js';

export const BUNDLE_SUFFIX = '.app.tar.zst';
/** GNU tar pads archives to 20-block records; doing the same keeps `tar` from warning. */
const RECORD = 20 * BLOCK;

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxEntries: DEFAULT_LIMITS.maxEntries,
  maxTotalBytes: DEFAULT_LIMITS.maxTotalBytes,
  maxMetadataBytes: 64 * 1024,
};

async function writeAll(stream: Writable, chunk: Buffer): Promise<void> {
  if (!stream.write(chunk)) {
    await Promise.race([once(stream, 'drain'), once(stream, 'error').then(([e]) => Promise.reject(e as Error))]);
  }
}

export interface BundleResult {
  appId: string;
  path: string;
  entries: number;
  bytes: number;
}

/** Where `-o` puts the bundle: a directory gets `<id>.app.tar.zst` inside it; anything else is the file name. */
async function bundlePath(out: string | undefined, appId: string): Promise<string> {
  if (out === undefined) return resolve(`${appId}${BUNDLE_SUFFIX}`);
  try {
    if ((await stat(out)).isDirectory()) return resolve(out, `${appId}${BUNDLE_SUFFIX}`);
  } catch {
    // not there yet: a file name
  }
  return resolve(out);
}

/** Checks the package, then writes `<id>/…` into a zstd-compressed tar, atomically (temp file, then rename). */
export async function createBundle(dir: string, options: { out?: string; onProgress?: (message: string) => void } = {}): Promise<BundleResult> {
  const report = await checkPackage(dir);
  if (!report.manifest || !report.tree || report.problems.some((p) => p.severity === 'error')) {
    throw new PackError('INVALID_PACKAGE', `${dir} is not a valid package; fix it before bundling (weft-pack check ${dir})`, report.problems);
  }
  const appId = report.manifest.id;
  const path = await bundlePath(options.out, appId);
  const temp = `${path}.partial-${process.pid}`;
  const file = await open(temp, 'wx', 0o644);
  const zstd = compressToFd(file.fd);
  let written = 0;
  let entries = 0;
  try {
    const stdin = zstd.child.stdin as Writable;
    stdin.on('error', () => {}); // EPIPE when zstd dies; its exit status says why
    const write = async (chunk: Buffer): Promise<void> => {
      written += chunk.length;
      await writeAll(stdin, chunk);
    };
    const topStats = await stat(dir);
    await write(encodeHeader({ path: `${appId}/`, type: 'dir', mode: 0o755, mtime: topStats.mtimeMs / 1000 }));
    entries++;
    options.onProgress?.(`bundling ${report.tree.entries.length} entries from ${dir}`);
    for (const entry of report.tree.entries) {
      const source = join(dir, entry.path);
      const stats = await lstat(source);
      const mtime = stats.mtimeMs / 1000;
      const path = `${appId}/${entry.path}`;
      entries++;
      if (entry.type === 'dir') {
        await write(encodeHeader({ path: `${path}/`, type: 'dir', mode: 0o755, mtime }));
      } else if (entry.type === 'symlink') {
        await write(encodeHeader({ path, type: 'symlink', linkname: entry.target, mode: 0o777, mtime }));
      } else if (entry.type === 'file') {
        const size = stats.size;
        await write(encodeHeader({ path, type: 'file', size, mode: (stats.mode & 0o111) !== 0 ? 0o755 : 0o644, mtime }));
        const handle = await open(source, 'r');
        try {
          const buffer = Buffer.alloc(64 * 1024);
          let left = size;
          while (left > 0) {
            const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, left), size - left);
            if (bytesRead === 0) throw new PackError('BAD_SOURCE', `${source} shrank while it was being bundled; try again`);
            await write(Buffer.from(buffer.subarray(0, bytesRead)));
            left -= bytesRead;
          }
        } finally {
          await handle.close();
        }
        if (paddingAfter(size) > 0) await write(Buffer.alloc(paddingAfter(size)));
      }
    }
    const end = 2 * BLOCK + ((RECORD - ((written + 2 * BLOCK) % RECORD)) % RECORD);
    await write(Buffer.alloc(end));
    stdin.end();
    const { code, signal } = await zstd.exited;
    if (code !== 0) throw new PackError('BAD_SOURCE', `zstd failed (${signal ?? `exit code ${code}`}): ${zstd.stderr() || 'no message'}`);
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (cause) {
    zstd.child.kill('SIGKILL');
    await zstd.exited.catch(() => {});
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw cause;
  }
  return { appId, path, entries, bytes: (await stat(path)).size };
}

export interface ExtractedBundle {
  appId: string;
  /** The unpacked package folder: `<dest>/<id>`. */
  packageDir: string;
  entries: number;
  bytes: number;
}

async function rejectUnlessZstd(archive: string): Promise<void> {
  let head: Buffer;
  try {
    const handle = await open(archive, 'r');
    try {
      head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new PackError('BAD_SOURCE', `cannot read bundle ${archive}: ${(cause as Error).message}`);
  }
  if (!head.equals(ZSTD_MAGIC)) {
    throw new PackError('BUNDLE_REJECTED', `${archive}: not zstd-compressed (a bundle is a .tar.zst made by weft-pack bundle or tar --zstd -cf)`);
  }
}

/**
 * Unpacks `archive` into `dest`, which must be an empty directory the caller made and will remove
 * on failure. Each hostile entry is refused with its own message (PackError BUNDLE_REJECTED).
 */
export async function extractBundle(archive: string, dest: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<ExtractedBundle> {
  await rejectUnlessZstd(archive);
  const zstd = decompressFile(archive);
  const stdout = zstd.child.stdout;
  if (!stdout) throw new Error('zstd was started without a stdout pipe');
  let result;
  try {
    result = await extractTar(stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>, dest, limits);
  } catch (cause) {
    // If zstd closed its output, its exit status may explain the failure better than the tar parser can.
    const outputEnded = stdout.readableEnded;
    // Unread output would keep the child's 'close' from ever firing.
    stdout.destroy();
    if (!outputEnded) zstd.child.kill('SIGKILL');
    const exit = await zstd.exited; // throws MISSING_TOOL when zstd is not installed
    // Only when zstd stopped by itself: once we abort, its write errors (EPIPE) are our doing.
    if (outputEnded && exit.code !== null && exit.code !== 0) {
      throw new PackError('BUNDLE_REJECTED', `${archive}: cannot decompress: ${zstd.stderr().split('\n')[0] || `zstd exit code ${exit.code}`}`);
    }
    if (cause instanceof BundleRejection) throw new PackError('BUNDLE_REJECTED', `${archive}: ${cause.message}`);
    throw cause;
  }
  if (result.endedBy === 'marker') {
    stdout.destroy(); // trailing padding is not needed
    zstd.child.kill('SIGKILL');
    await zstd.exited;
  } else {
    const exit = await zstd.exited;
    if (exit.code !== 0) throw new PackError('BUNDLE_REJECTED', `${archive}: cannot decompress: ${zstd.stderr().split('\n')[0] || `zstd exit code ${exit.code}`}`);
  }
  const packageDir = join(dest, result.topLevel);
  // The folder must be named after the package it holds; a broken manifest is left for check to describe.
  let text: string | null = null;
  try {
    text = await readFile(join(packageDir, MANIFEST_FILE), 'utf8');
  } catch {
    text = null;
  }
  const manifestId = text === null ? undefined : parseManifest(text).fields?.id;
  if (manifestId !== undefined && manifestId !== result.topLevel) {
    throw new PackError('BUNDLE_REJECTED', `${archive}: the bundle's folder is "${result.topLevel}" but its wapp.toml says package.id = "${manifestId}"; they must be equal`);
  }
  return { appId: result.topLevel, packageDir, entries: result.entries, bytes: result.bytes };
}

/** `weft-pack unbundle`: unpacks into a temp folder inside `into`, then renames `<id>` into place (refusing to overwrite). */
export async function unbundle(archive: string, into: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<ExtractedBundle> {
  await mkdir(into, { recursive: true });
  const temp = join(into, `.weft-unbundle-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(temp, { mode: 0o700 });
  try {
    const extracted = await extractBundle(archive, temp, limits);
    const final = join(into, extracted.appId);
    const taken = await lstat(final).then(
      () => true,
      () => false,
    );
    if (taken) throw new PackError('EXISTS', `${final} already exists; remove it or unbundle somewhere else (-C <dir>)`);
    await rename(extracted.packageDir, final);
    return { ...extracted, packageDir: final };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
