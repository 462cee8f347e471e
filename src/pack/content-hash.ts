// WEFT's canonical package hash: every regular file except the top-level signature.sig, as `path<TAB>sha256<LF>` lines in byte order, hashed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compareBytes, walkPackage, type PackageTree } from './package-tree.js';

export const SIGNATURE_FILE = 'signature.sig';

export interface FileDigest {
  /** Relative path, forward slashes. */
  path: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export { sha256Hex } from '../fs/sha256.js';

/**
 * The files the signature covers, sorted by path bytes. Symlinks are skipped, as WEFT's walk
 * skips them (it hashes regular files only); weft-pack check rejects symlinks that leave the package.
 */
export async function packageDigests(dir: string, tree?: PackageTree): Promise<FileDigest[]> {
  const walked = tree ?? (await walkPackage(dir));
  const digests: FileDigest[] = [];
  for (const entry of walked.entries) {
    if (entry.type !== 'file' || entry.path === SIGNATURE_FILE) continue;
    digests.push({ path: entry.path, sha256: await sha256File(join(dir, entry.path)) });
  }
  return digests.sort((a, b) => compareBytes(a.path, b.path));
}

export function canonicalListing(digests: readonly FileDigest[]): string {
  return digests.map((d) => `${d.path}\t${d.sha256}\n`).join('');
}

/** The 32-byte message WEFT signs: SHA-256 of the canonical listing. */
export function contentHash(digests: readonly FileDigest[]): Buffer {
  return createHash('sha256').update(canonicalListing(digests), 'utf8').digest();
}
