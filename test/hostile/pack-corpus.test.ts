// Runs the hostile package and bundle corpus through weft-pack install/unbundle: each is refused with its own error, and nothing changes.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbundle } from '../../src/pack/bundle.js';
import { formatProblem } from '../../src/manifest/problem.js';
import { PackError } from '../../src/pack/errors.js';
import { installPackage } from '../../src/pack/install.js';
import { BUNDLE_CASES, gnuTarBundle, validEntries } from './corpus/bundles.js';
import { tar, zstd } from '../support/tar.js';
import { basePackage, HELLO_WASM, PACKAGE_CASES } from './corpus/packages.js';
import { record } from './helpers/results.js';
import { APPS_DIR, DIST_BIN, makeSandbox, type Sandbox } from './helpers/sandbox.js';
import { snapshot } from './helpers/tree.js';

/** What weft-pack prints for a PackError: its message, then each error-severity problem as check formats it. */
function errorText(error: PackError): string {
  return [error.message, ...error.problems.filter((p) => p.severity === 'error').map(formatProblem)].join('\n');
}

let sandbox: Sandbox;
let victim: string;
let unbundleInto: string;
const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-');
const packageDir = (name: string) => join(sandbox.root, 'corpus', 'pkgs', slug(name));
const bundlePath = (name: string) => join(sandbox.root, 'corpus', 'bundles', `${slug(name)}.app.tar.zst`);
const refused: string[] = [];

/** Everything an install or unbundle could touch: the store, the victim dir, the unbundle target and the folders around them. */
function world(): Record<string, string[]> {
  return {
    store: snapshot(sandbox.store),
    victim: snapshot(victim),
    unbundled: snapshot(unbundleInto),
    root: readdirSync(sandbox.root).sort(),
    corpus: readdirSync(join(sandbox.root, 'corpus')).sort(),
    bundles: readdirSync(join(sandbox.root, 'corpus', 'bundles')).sort(),
  };
}

async function refusal(run: () => Promise<unknown>): Promise<PackError> {
  const outcome = await run().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`accepted: ${JSON.stringify(outcome.value, null, 1).slice(0, 400)}`);
  if (!(outcome.error instanceof PackError)) throw new Error(`failed with ${String((outcome.error as Error)?.stack ?? outcome.error)} instead of a PackError`);
  return outcome.error;
}

function weftPack(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(DIST_BIN, 'weft-pack.js'), ...args], { env: sandbox.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  sandbox = makeSandbox('pack');
  victim = join(sandbox.root, 'victim');
  unbundleInto = join(sandbox.root, 'unbundled');
  for (const dir of [victim, unbundleInto, join(sandbox.root, 'corpus', 'pkgs'), join(sandbox.root, 'corpus', 'bundles')]) mkdirSync(dir, { recursive: true });
  copyFileSync(HELLO_WASM, join(victim, 'real.wasm'));
  writeFileSync(join(victim, 'index.html'), '<!doctype html><title>victim</title>\n');
  writeFileSync(join(victim, 'secret.txt'), 'the secret\n');
  // A store that already holds an app, so "unchanged" covers a real install (links, records, precompiled code).
  // Installs that get as far as precompiling go through the CLI: jco-transpile needs import.meta.resolve, which vitest's transform lacks.
  const control = await weftPack(['install', join(APPS_DIR, 'hello'), '--store', sandbox.store]);
  expect(control.code, control.stderr).toBe(0);
  for (const c of PACKAGE_CASES) await c.build(packageDir(c.name), { victim });
  for (const c of BUNDLE_CASES) await c.build(bundlePath(c.name), victim);
}, 180_000);

afterAll(() => {
  record('pack-corpus', { refused: refused.length, package_cases: PACKAGE_CASES.length, bundle_cases: BUNDLE_CASES.length });
  sandbox?.cleanup();
});

describe('the corpus is meaningful', () => {
  it('installs a valid package directory and a GNU tar bundle of it into a scratch store', async () => {
    const scratch = join(sandbox.root, 'scratch-store');
    const dir = join(sandbox.root, 'corpus', 'control', 'org.weft.hostile.control');
    basePackage(dir, 'org.weft.hostile.control');
    const installed = await weftPack(['install', dir, '--store', scratch]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readdirSync(scratch)).toContain('org.weft.hostile.control');
    const bundle = join(sandbox.root, 'corpus', 'control.app.tar.zst');
    gnuTarBundle(join(dir, '..'), 'org.weft.hostile.control', bundle);
    const again = await weftPack(['install', bundle, '--store', join(sandbox.root, 'scratch-store-2')]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(join(sandbox.root, 'scratch-store-2'))).toContain('org.weft.hostile.control');
  });
});

describe('hostile package directories are refused by installPackage, each with its own error, and nothing changes', () => {
  it.each(PACKAGE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = world();
    const error = await refusal(() => installPackage(packageDir(c.name), { root: sandbox.store }));
    expect(error.code).toBe(c.code);
    expect(errorText(error)).toMatch(c.message);
    expect(world()).toEqual(before);
    refused.push(c.name);
  }, 120_000);
});

describe('hostile bundles are refused by installPackage, each with its own error, and nothing changes', () => {
  it.each(BUNDLE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = world();
    const error = await refusal(() => installPackage(bundlePath(c.name), { root: sandbox.store }));
    expect(error.code).toBe(c.code);
    expect(errorText(error)).toMatch(c.message);
    expect(world()).toEqual(before);
    refused.push(`bundle ${c.name}`);
  }, 120_000);
});

describe('hostile bundles are refused by unbundle too, and the target folder stays empty', () => {
  const extractionCases = BUNDLE_CASES.filter((c) => c.code === 'BUNDLE_REJECTED');
  it.each(extractionCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = world();
    const error = await refusal(() => unbundle(bundlePath(c.name), unbundleInto));
    expect(error.code).toBe(c.code);
    expect(errorText(error)).toMatch(c.message);
    expect(world()).toEqual(before);
  }, 120_000);
});

describe('what a bundle may carry is defused on the way in', () => {
  it('setuid, setgid, sticky and world-writable modes do not survive unbundle', async () => {
    const id = 'org.weft.hostile.modes';
    const entries = validEntries(id);
    const path = join(sandbox.root, 'corpus', 'modes.app.tar.zst');
    writeFileSync(path, zstd(tar([...entries, { kind: 'file', name: `${id}/suid`, data: '#!/bin/sh\n', mode: 0o7777 }, { kind: 'file', name: `${id}/plain`, data: 'x', mode: 0o666 }])));
    const into = join(sandbox.root, 'unbundled-modes');
    const result = await unbundle(path, into);
    const modes = snapshot(result.packageDir).map((line) => line.split(' ').slice(0, 3).join(' '));
    expect(modes).toContain('suid file 755');
    expect(modes).toContain('plain file 644');
    expect(modes.filter((line) => /[2-7]\d\d\d$|[2367]$/.test(line.split(' ')[2]!))).toEqual([]);
  });
});

describe('the weft-pack command line refuses them the same way', () => {
  const sample = [
    ['module dotdot', 'pkgs'],
    ['weft fetch without capability', 'pkgs'],
    ['entry dotdot', 'bundles'],
    ['symlink chain out', 'bundles'],
    ['decompression bomb (300 MiB of zeros)', 'bundles'],
  ] as const;
  it.each(sample)('weft-pack install %s (%s)', async (name, kind) => {
    const c = [...PACKAGE_CASES, ...BUNDLE_CASES].find((x) => x.name === name)!;
    const before = world();
    const result = await weftPack(['install', kind === 'pkgs' ? packageDir(name) : bundlePath(name), '--store', sandbox.store]);
    expect(result.code).not.toBe(0);
    expect(`${result.stderr}\n${result.stdout}`).toMatch(c.message);
    expect(world()).toEqual(before);
  }, 120_000);
});
