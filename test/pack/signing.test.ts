// Signatures in WEFT's format: key files, sign/verify round trip, independent verification, tampering named, and install's trust checks.
import { createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
import { cp, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey } from '../../src/pack/signing.js';
import { ensureBuilt, GOLDEN, listing, runCli, weftHash, workspaceForSuite } from './helpers.js';

const HELLO = join(GOLDEN, 'valid', 'core-hello', 'package');
const HELLO_ID = 'org.example.golden.hello';

const { dir: work, env, copyOf } = workspaceForSuite('signing', async () => {
  ensureBuilt();
  for (const dir of [keys, otherKeys]) {
    const result = await runCli(['generate-key', dir], { env });
    expect(result.code, result.stderr).toBe(0);
  }
});
const keys = join(work, 'keys');
const otherKeys = join(work, 'other-keys');
const copyOfHello = (): Promise<string> => copyOf(HELLO);

describe('keys', () => {
  it('derives RFC 8032 test vector 1 from its seed, and signs like it', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const privateKey = privateKeyFromSeed(seed);
    expect(rawPublicKey(createPublicKey(privateKey)).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(edSign(null, Buffer.alloc(0), privateKey).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('generate-key writes hex seed (0600) and hex public key that belong together', async () => {
    const seedHex = (await readFile(join(keys, 'weft-sign.key'), 'utf8')).trim();
    const publicHex = (await readFile(join(keys, 'weft-sign.pub'), 'utf8')).trim();
    expect(seedHex).toMatch(/^[0-9a-f]{64}$/);
    expect(publicHex).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(keys, 'weft-sign.key'))).mode & 0o777).toBe(0o600);
    expect(rawPublicKey(createPublicKey(privateKeyFromSeed(Buffer.from(seedHex, 'hex')))).toString('hex')).toBe(publicHex);
  });

  it('generate-key refuses to overwrite without --force', async () => {
    const again = await runCli(['generate-key', keys], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('weft-sign.key already exists');
    const dir = join(work, 'forced');
    await runCli(['generate-key', dir], { env });
    const before = await readFile(join(dir, 'weft-sign.pub'), 'utf8');
    expect((await runCli(['generate-key', dir, '--force'], { env })).code).toBe(0);
    expect(await readFile(join(dir, 'weft-sign.pub'), 'utf8')).not.toBe(before);
  });

  it('generateKeyPair gives a working pair', () => {
    const pair = generateKeyPair();
    const message = Buffer.from('x');
    const signature = edSign(null, message, privateKeyFromSeed(Buffer.from(pair.seedHex, 'hex')));
    expect(edVerify(null, message, publicKeyFromRaw(Buffer.from(pair.publicHex, 'hex')), signature)).toBe(true);
  });
});

describe('sign and verify', () => {
  it('round trip; the signature verifies independently over WEFT’s canonical hash', async () => {
    const dir = await copyOfHello();
    const signed = await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    expect(signed.code, signed.stderr).toBe(0);
    const signatureHex = (await readFile(join(dir, 'signature.sig'), 'utf8')).trim();
    expect(signatureHex).toMatch(/^[0-9a-f]{128}$/);
    const verified = await runCli(['verify', dir, '--key', join(keys, 'weft-sign.pub')], { env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('signature OK');

    // What WEFT does: SHA-256 over the sorted path<TAB>sha256 lines; Ed25519 over those 32 bytes.
    const message = Buffer.from(await weftHash(dir), 'hex');
    const publicKey = publicKeyFromRaw(Buffer.from((await readFile(join(keys, 'weft-sign.pub'), 'utf8')).trim(), 'hex'));
    expect(edVerify(null, message, publicKey, Buffer.from(signatureHex, 'hex'))).toBe(true);
  });

  it('verifies a package signed the WEFT way (no signature.files)', async () => {
    const dir = await copyOfHello();
    const seed = Buffer.from((await readFile(join(keys, 'weft-sign.key'), 'utf8')).trim(), 'hex');
    const signature = edSign(null, Buffer.from(await weftHash(dir), 'hex'), privateKeyFromSeed(seed));
    await writeFile(join(dir, 'signature.sig'), `${signature.toString('hex')}\n`);
    const ok = await runCli(['verify', dir, '--key', join(keys, 'weft-sign.pub')], { env });
    expect(ok.code, ok.stderr).toBe(0);
    await writeFile(join(dir, 'app.wasm'), 'changed');
    const bad = await runCli(['verify', dir, '--key', join(keys, 'weft-sign.pub')], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no readable signature.files');
  });

  it('names each modified, added and removed file', async () => {
    const dir = await copyOfHello();
    await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    await writeFile(join(dir, 'ui', 'index.html'), '<p>tampered</p>\n');
    await writeFile(join(dir, 'extra.js'), 'alert(1)\n');
    await rm(join(dir, 'app.wasm'));
    const result = await runCli(['verify', dir, '--key', join(keys, 'weft-sign.pub')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`weft-pack: ${dir}: the signature does not verify: files changed after signing: extra.js (added), ui/index.html (modified), app.wasm (removed)\n`);
  });

  it('says when nothing changed but the key is another', async () => {
    const dir = await copyOfHello();
    await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    const result = await runCli(['verify', dir, '--key', join(otherKeys, 'weft-sign.pub')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no file changed since signing, so the package was signed by a different key');
  });

  it('an unsigned package, a malformed key file, and a symlink in the package are each reported', async () => {
    const dir = await copyOfHello();
    const unsigned = await runCli(['verify', dir, '--key', join(keys, 'weft-sign.pub')], { env });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('is not signed: it has no signature.sig');

    await writeFile(join(work, 'bad.pub'), 'not-hex');
    const badKey = await runCli(['verify', dir, '--key', join(work, 'bad.pub')], { env });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('bad.pub (an Ed25519 public key): expected 64 hex digits');

    await symlink('index.html', join(dir, 'ui', 'home.html'));
    const linked = await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toContain('a signed package may hold only files and directories (this is a symlink)');
  });
});

describe('install with signatures', () => {
  it('--require-signature: trusted key accepted and recorded; untrusted, unsigned and tampered refused', async () => {
    const store = join(work, 'signed-store');
    const dir = await copyOfHello();
    await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    const publicHex = (await readFile(join(keys, 'weft-sign.pub'), 'utf8')).trim();

    await mkdir(store, { recursive: true });
    const before = await listing(store);
    const untrusted = await runCli(['install', dir, '--store', store, '--require-signature', '--trusted-key', join(otherKeys, 'weft-sign.pub')], { env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(new RegExp(`weft-pack: ${HELLO_ID.replace(/\./g, '\\.')} is not signed by a trusted key \\(trusted: [0-9a-f]{16}…\\)`));
    expect(await listing(store)).toEqual(before);

    const unsigned = await runCli(['install', HELLO, '--store', store, '--require-signature', '--trusted-key', join(keys, 'weft-sign.pub')], { env });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain(`${HELLO_ID} is not signed (no signature.sig) and a signature is required`);

    const tampered = await copyOfHello();
    await runCli(['sign', tampered, '--key', join(keys, 'weft-sign.key')], { env });
    await writeFile(join(tampered, 'ui', 'index.html'), 'x');
    const bad = await runCli(['install', tampered, '--store', store, '--require-signature', '--trusted-key', join(keys, 'weft-sign.pub')], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('files changed after signing: ui/index.html (modified)');

    const trusted = await runCli(['install', dir, '--store', store, '--require-signature', '--trusted-key', join(otherKeys, 'weft-sign.pub'), '--trusted-key', join(keys, 'weft-sign.pub'), '--json'], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(JSON.parse(trusted.stdout).record.signed_by).toBe(publicHex);
  });

  it('reads trusted keys from $XDG_CONFIG_HOME/weft/trusted-keys when a signature is required', async () => {
    const store = join(work, 'dir-store');
    const dir = await copyOfHello();
    await runCli(['sign', dir, '--key', join(keys, 'weft-sign.key')], { env });
    const noKeys = await runCli(['install', dir, '--store', store, '--require-signature'], { env });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr).toContain('a signature is required but there are no trusted keys');
    const trustDir = join(String(env.XDG_CONFIG_HOME), 'weft', 'trusted-keys');
    await mkdir(trustDir, { recursive: true });
    await cp(join(keys, 'weft-sign.pub'), join(trustDir, 'publisher.pub'));
    const ok = await runCli(['install', dir, '--store', store, '--require-signature'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('signed by');
  });
});
