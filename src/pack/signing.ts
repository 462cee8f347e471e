// WEFT package signatures: hex Ed25519 key files, signature.sig over the canonical content hash, and a file list that names what changed.
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalListing, contentHash, packageDigests, SIGNATURE_FILE, type FileDigest } from './content-hash.js';
import { PackError } from './errors.js';
import { walkPackage, type PackageTree } from './package-tree.js';

export const PRIVATE_KEY_FILE = 'weft-sign.key';
export const PUBLIC_KEY_FILE = 'weft-sign.pub';
/**
 * weft's addition: the `path<TAB>sha256` lines of every other file at signing time. WEFT's hash
 * covers it like any file, so WEFT still verifies the package; weft reads it only to say which
 * file changed when a signature fails.
 */
export const SIGNED_FILES_LIST = 'signature.files';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

export interface KeyPair {
  seedHex: string;
  publicHex: string;
}

export function generateKeyPair(): KeyPair {
  const seed = randomBytes(32);
  const publicKey = createPublicKey(privateKeyFromSeed(seed));
  return { seedHex: seed.toString('hex'), publicHex: rawPublicKey(publicKey).toString('hex') };
}

/** Parses hex key text (surrounding whitespace allowed, as WEFT trims); `what` names the file in errors. */
export function parseHexKey(text: string, bytes: number, what: string): Buffer {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(trimmed)) {
    throw new PackError('BAD_KEY', `${what}: expected ${bytes * 2} hex digits, found other characters`);
  }
  if (trimmed.length !== bytes * 2) {
    throw new PackError('BAD_KEY', `${what}: expected ${bytes * 2} hex digits, found ${trimmed.length}`);
  }
  return Buffer.from(trimmed, 'hex');
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new PackError('BAD_KEY', `cannot read ${what} ${path}: ${(cause as Error).message}`);
  }
}

export async function readSeedFile(path: string): Promise<Buffer> {
  return parseHexKey(await readText(path, 'private key'), 32, `${path} (an Ed25519 private key seed)`);
}

/** Reads a public key file; also accepts 64 hex digits given directly (the form record.json stores). */
export async function readPublicKey(pathOrHex: string): Promise<Buffer> {
  if (/^[0-9a-fA-F]{64}$/.test(pathOrHex)) return Buffer.from(pathOrHex, 'hex');
  const raw = parseHexKey(await readText(pathOrHex, 'public key'), 32, `${pathOrHex} (an Ed25519 public key)`);
  try {
    publicKeyFromRaw(raw);
  } catch {
    throw new PackError('BAD_KEY', `${pathOrHex}: not a valid Ed25519 public key`);
  }
  return raw;
}

/** Signature covers only regular files, so anything else in a signed package would be unauthenticated. */
function refuseUnsignable(tree: PackageTree, dir: string): void {
  for (const entry of tree.entries) {
    if (entry.type === 'symlink' || entry.type === 'other') {
      throw new PackError(
        'SIGNATURE_INVALID',
        `${join(dir, entry.path)}: a signed package may hold only files and directories (this is ${entry.type === 'symlink' ? 'a symlink' : 'a special file'}); the signature would not cover it`,
      );
    }
    // A name with a tab or newline could imitate other lines of the hashed listing.
    if (/[\u0000-\u001f\u007f]/.test(entry.path)) {
      throw new PackError('SIGNATURE_INVALID', `${JSON.stringify(entry.path)}: a file name with a control character cannot be signed`);
    }
  }
  if (tree.overLimit) throw new PackError('SIGNATURE_INVALID', `${dir}: the package is over the size or file-count limit`);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, path);
}

export interface SignResult {
  contentHash: string;
  publicKey: string;
  files: number;
}

/** Writes signature.files, then signature.sig over WEFT's content hash (which includes signature.files). */
export async function signPackage(dir: string, seed: Uint8Array): Promise<SignResult> {
  const tree = await walkPackage(dir);
  refuseUnsignable(tree, dir);
  const others = (await packageDigests(dir, tree)).filter((d) => d.path !== SIGNED_FILES_LIST);
  await writeAtomically(join(dir, SIGNED_FILES_LIST), canonicalListing(others));
  const digests = await packageDigests(dir);
  const message = contentHash(digests);
  const key = privateKeyFromSeed(seed);
  const signature = sign(null, message, key);
  await writeAtomically(join(dir, SIGNATURE_FILE), signature.toString('hex'));
  return { contentHash: message.toString('hex'), publicKey: rawPublicKey(createPublicKey(key)).toString('hex'), files: digests.length };
}

export type VerifyOutcome =
  | { status: 'valid'; signer: string; contentHash: string }
  | { status: 'unsigned' }
  /** No given key verifies; `changes` lists files that differ from signature.files when it could tell. */
  | { status: 'invalid'; contentHash: string; changes: FileChange[]; reason: string };

export interface FileChange {
  path: string;
  change: 'modified' | 'added' | 'removed';
}

function parseSignedList(text: string): Map<string, string> | null {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([^\t]+)\t([0-9a-f]{64})$/.exec(line);
    if (!match) return null;
    map.set(match[1] as string, match[2] as string);
  }
  return map;
}

function diffAgainstList(listed: ReadonlyMap<string, string>, digests: readonly FileDigest[]): FileChange[] {
  const changes: FileChange[] = [];
  const current = new Map(digests.filter((d) => d.path !== SIGNED_FILES_LIST).map((d) => [d.path, d.sha256]));
  for (const [path, sha] of current) {
    const before = listed.get(path);
    if (before === undefined) changes.push({ path, change: 'added' });
    else if (before !== sha) changes.push({ path, change: 'modified' });
  }
  for (const path of listed.keys()) if (!current.has(path)) changes.push({ path, change: 'removed' });
  return changes;
}

/** Verifies signature.sig against each key (raw 32-byte public keys); the first that verifies is the signer. */
export async function verifyPackage(dir: string, publicKeys: readonly Uint8Array[]): Promise<VerifyOutcome> {
  let signatureText: string;
  try {
    signatureText = await readFile(join(dir, SIGNATURE_FILE), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'unsigned' };
    throw cause;
  }
  const tree = await walkPackage(dir);
  refuseUnsignable(tree, dir);
  let signature: Buffer;
  try {
    signature = parseHexKey(signatureText, 64, `${join(dir, SIGNATURE_FILE)} (an Ed25519 signature)`);
  } catch (cause) {
    return { status: 'invalid', contentHash: '', changes: [], reason: (cause as Error).message };
  }
  const digests = await packageDigests(dir, tree);
  const message = contentHash(digests);
  for (const raw of publicKeys) {
    if (verify(null, message, publicKeyFromRaw(raw), signature)) {
      return { status: 'valid', signer: Buffer.from(raw).toString('hex'), contentHash: message.toString('hex') };
    }
  }
  let changes: FileChange[] = [];
  let reason: string;
  let listText: string | null = null;
  try {
    listText = await readFile(join(dir, SIGNED_FILES_LIST), 'utf8');
  } catch {
    listText = null;
  }
  const listed = listText === null ? null : parseSignedList(listText);
  if (listed === null) {
    reason = `the signature does not match ${publicKeys.length === 1 ? 'the key' : `any of the ${publicKeys.length} keys`}; the package has no readable ${SIGNED_FILES_LIST}, so weft-pack cannot tell whether files changed or another key signed it`;
  } else {
    changes = diffAgainstList(listed, digests);
    reason =
      changes.length > 0
        ? `files changed after signing: ${changes.map((c) => `${c.path} (${c.change})`).join(', ')}`
        : `no file changed since signing, so the package was signed by a different key${publicKeys.length === 1 ? '' : ' than any given'} (or ${SIGNED_FILES_LIST} / ${SIGNATURE_FILE} was edited)`;
  }
  return { status: 'invalid', contentHash: message.toString('hex'), changes, reason };
}
