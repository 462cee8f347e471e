// Installs a package directory or bundle into a store root atomically: stage, check, verify, precompile, then commit with one symlink.
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appIdProblem } from '../manifest/app-id.js';
import { loadManifest } from '../manifest/load.js';
import { MANIFEST_FILE } from '../manifest/parse.js';
import type { Problem } from '../manifest/problem.js';
import { entryPath, entryTarget, installsDir, PACKAGE_SUBDIR, PRECOMPILED_SUBDIR, RECORD_FILE, stagingDir } from '../store/layout.js';
import type { InstallRecord, PrecompiledInfo } from '../store/record.js';
import { precompile } from '../wasm/precompile.js';
import { extractBundle } from './bundle.js';
import { checkPackage, checkPassed, type CheckReport } from './check.js';
import { contentHash, packageDigests, SIGNATURE_FILE } from './content-hash.js';
import { PackError } from './errors.js';
import { DEFAULT_LIMITS, type PackageLimits } from './limits.js';
import { walkPackage } from './package-tree.js';
import { readPublicKey, verifyPackage } from './signing.js';
import { beginWork, collectGarbage, endWork, referencedInstall } from './store-gc.js';
import { pauseForTest } from './test-pause.js';
import { syncTree } from './sync-tree.js';

export interface InstallOptions {
  /** The store root to install into (created if missing). */
  root: string;
  /** Replace an installed package with the same id. */
  force?: boolean;
  /** Public keys: 64 hex digits each, or paths of weft-sign.pub files. */
  trustedKeys?: readonly string[];
  /** Refuse the package unless signature.sig verifies with one of trustedKeys. */
  requireSignature?: boolean;
  /** Refuse on warnings too (`--strict`). */
  strict?: boolean;
  onProgress?: (message: string) => void;
  /** Caps for the package and for bundles; defaults to DEFAULT_LIMITS. */
  limits?: PackageLimits;
}

export interface InstallResult {
  appId: string;
  name: string;
  version: string;
  root: string;
  /** `<root>/<id>`, the symlink that makes it installed. */
  entry: string;
  installDir: string;
  packageDir: string;
  record: InstallRecord;
  /** True when an installed package with this id was replaced (--force). */
  replaced: boolean;
  /** check's warnings (errors would have refused the install). */
  warnings: Problem[];
}

export interface UninstallResult {
  appId: string;
  root: string;
  /** 'link' for a weft install, 'directory' for a package directory WEFT (or a person) put there. */
  removed: 'link' | 'directory';
}

function refuseInvalid(source: string, report: CheckReport, strict: boolean): void {
  if (checkPassed(report, strict)) return;
  const what = strict && checkPassed(report) ? 'has warnings (and --strict is set)' : 'is not a valid package';
  throw new PackError('INVALID_PACKAGE', `${source} ${what}; nothing was installed`, report.problems);
}

/** Copies a package into staging: files, directories and symlinks (as symlinks); check runs on the copy afterwards. */
async function copyPackage(source: string, dest: string, limits: PackageLimits): Promise<void> {
  const tree = await walkPackage(source, limits);
  if (tree.overLimit) {
    throw new PackError('INVALID_PACKAGE', `${source} is over the ${tree.overLimit === 'entries' ? `${limits.maxEntries}-entry` : `${limits.maxTotalBytes}-byte`} package limit`);
  }
  await mkdir(dest, { mode: 0o755 });
  for (const entry of tree.entries) {
    const from = join(source, entry.path);
    const to = join(dest, entry.path);
    if (entry.type === 'dir') {
      await mkdir(to, { mode: 0o755 });
    } else if (entry.type === 'file') {
      await copyFile(from, to, constants.COPYFILE_EXCL);
      await chmod(to, entry.executable ? 0o755 : 0o644);
    } else if (entry.type === 'symlink') {
      await symlink(entry.target, to);
    } else {
      throw new PackError('INVALID_PACKAGE', `${from} is ${entry.what}; a package may hold only files, directories and symlinks`);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** The signer's hex key, or null when unsigned or not checked; throws when a required signature is missing or wrong. */
async function checkSignature(packageDir: string, appId: string, options: InstallOptions): Promise<string | null> {
  const keys = await Promise.all((options.trustedKeys ?? []).map(readPublicKey));
  const signed = await exists(join(packageDir, SIGNATURE_FILE));
  if (!options.requireSignature) {
    if (!signed || keys.length === 0) return null;
    const outcome = await verifyPackage(packageDir, keys);
    if (outcome.status !== 'valid') options.onProgress?.(`warning: ${appId}'s signature does not verify with the trusted keys (${outcome.status === 'invalid' ? outcome.reason : 'unsigned'})`);
    return outcome.status === 'valid' ? outcome.signer : null;
  }
  if (!signed) throw new PackError('SIGNATURE_REQUIRED', `${appId} is not signed (no ${SIGNATURE_FILE}) and a signature is required; sign it with: weft-pack sign <dir> --key weft-sign.key`);
  if (keys.length === 0) throw new PackError('UNTRUSTED_SIGNATURE', `${appId} must be signed by a trusted key, but no trusted keys were given (--trusted-key <file.pub> or --trusted-keys-dir <dir>)`);
  const outcome = await verifyPackage(packageDir, keys);
  if (outcome.status === 'valid') return outcome.signer;
  if (outcome.status === 'invalid' && outcome.changes.length > 0) {
    throw new PackError('SIGNATURE_INVALID', `${appId}: the signature does not verify: ${outcome.reason}`);
  }
  const trusted = keys.map((k) => `${Buffer.from(k).toString('hex').slice(0, 16)}…`).join(', ');
  throw new PackError('UNTRUSTED_SIGNATURE', `${appId} is not signed by a trusted key (trusted: ${trusted}): ${outcome.status === 'invalid' ? outcome.reason : 'unsigned'}`);
}

async function describeInstalled(root: string, appId: string): Promise<string> {
  try {
    const manifest = await loadManifest(entryPath(root, appId));
    return ` (version ${manifest.version})`;
  } catch {
    return '';
  }
}

type Replaced = { kind: 'install'; installName: string | null; packageDir: string } | { kind: 'directory'; trash: string } | null;

/**
 * Makes `<root>/<id>` point at the new install. Without force, symlink() is the whole commit: it
 * fails with EEXIST atomically if the id is taken. With force, a temp link is renamed over the
 * old one (atomic too). A plain directory (a WEFT install) cannot be renamed over, so it is moved
 * aside first; for that instant the id is absent, never half-installed.
 */
async function commit(root: string, appId: string, installName: string, token: string, force: boolean): Promise<Replaced> {
  const entry = entryPath(root, appId);
  const target = entryTarget(installName);
  try {
    await symlink(target, entry);
    return null;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
  }
  const already = async (): Promise<PackError> =>
    new PackError(
      'ALREADY_INSTALLED',
      `${appId} is already installed in ${root}${await describeInstalled(root, appId)}; use --force to replace it, or remove it first: weft-pack uninstall ${appId}`,
    );
  const existing = await lstat(entry);
  if (existing.isSymbolicLink()) {
    if (!force) throw await already();
    const oldInstall = await referencedInstall(root, appId);
    const oldText = await readlink(entry);
    const temp = join(stagingDir(root), `${token}.link`);
    await symlink(target, temp);
    await rename(temp, entry);
    return { kind: 'install', installName: oldInstall, packageDir: resolve(root, oldText) };
  }
  if (existing.isDirectory()) {
    const holdsPackage = await exists(join(entry, MANIFEST_FILE));
    // A directory without wapp.toml holds only app data left from an earlier install: adopt it.
    if (holdsPackage && !force) throw await already();
    const trash = join(stagingDir(root), `${token}.old`);
    await rename(entry, trash);
    try {
      await symlink(target, entry);
    } catch (cause) {
      await rename(trash, entry).catch(() => {});
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw await already();
      throw cause;
    }
    return { kind: 'directory', trash };
  }
  throw new PackError('EXISTS', `${entry} exists but is neither an install link nor a package directory; move it away and install again`);
}

/** App data lives in `<root>/<id>/data` (WEFT's layout), so a replacement takes over the old package's data. */
async function carryOver(replaced: Replaced, newPackageDir: string, root: string, onProgress?: (message: string) => void): Promise<void> {
  if (!replaced) return;
  const oldPackageDir = replaced.kind === 'install' ? replaced.packageDir : replaced.trash;
  const oldData = join(oldPackageDir, 'data');
  if ((await exists(oldData)) && !(await exists(join(newPackageDir, 'data')))) {
    await rename(oldData, join(newPackageDir, 'data'));
    onProgress?.('kept the app data of the replaced install');
  }
  if (replaced.kind === 'install') {
    if (replaced.installName) await rm(join(installsDir(root), replaced.installName), { recursive: true, force: true });
  } else {
    await rm(replaced.trash, { recursive: true, force: true });
  }
}

/** Installs `source` (a package directory or a .app.tar.zst bundle) into `options.root`. */
export async function installPackage(source: string, options: InstallOptions): Promise<InstallResult> {
  const root = resolve(options.root);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const progress = options.onProgress ?? (() => {});
  let sourceStats;
  try {
    sourceStats = await stat(source);
  } catch {
    throw new PackError('BAD_SOURCE', `${source} does not exist; give a package directory or a .app.tar.zst bundle`);
  }
  if (!sourceStats.isDirectory() && !sourceStats.isFile()) {
    throw new PackError('BAD_SOURCE', `${source} is neither a package directory nor a bundle file`);
  }
  if (sourceStats.isDirectory()) {
    // Fail fast, before touching the store; the staged copy is checked (and verified) again,
    // since that copy is what gets installed.
    const sourceReport = await checkPackage(source, { limits });
    refuseInvalid(source, sourceReport, options.strict ?? false);
    if (options.requireSignature && sourceReport.manifest) await checkSignature(source, sourceReport.manifest.id, options);
  }

  await mkdir(stagingDir(root), { recursive: true });
  await mkdir(installsDir(root), { recursive: true });
  await collectGarbage(root).catch(() => []);
  const token = beginWork();
  const stage = join(stagingDir(root), token);
  let installDir: string | null = null;
  let committed = false;
  try {
    await mkdir(stage, { mode: 0o755 });
    const stagedPackage = join(stage, PACKAGE_SUBDIR);
    if (sourceStats.isDirectory()) {
      progress(`copying ${source}`);
      await copyPackage(resolve(source), stagedPackage, limits);
    } else {
      progress(`unpacking ${source}`);
      const unpack = join(stage, 'unpack');
      await mkdir(unpack, { mode: 0o700 });
      const extracted = await extractBundle(source, unpack, { maxEntries: limits.maxEntries, maxTotalBytes: limits.maxTotalBytes, maxMetadataBytes: 64 * 1024 });
      await rename(extracted.packageDir, stagedPackage);
      await rm(unpack, { recursive: true, force: true });
    }
    await pauseForTest('staged');

    progress('checking');
    const report = await checkPackage(stagedPackage, { limits });
    refuseInvalid(source, report, options.strict ?? false);
    const manifest = report.manifest;
    const module = report.module;
    if (!manifest || !module) throw new Error('check passed without a manifest and module');
    const signedBy = await checkSignature(stagedPackage, manifest.id, options);
    const digests = await packageDigests(stagedPackage, report.tree ?? undefined);
    await pauseForTest('checked');

    progress(`precompiling ${module.path} (${module.info.kind === 'core' ? 'preview1 module' : 'component'})`);
    let precompiled: PrecompiledInfo;
    try {
      precompiled = await precompile(module.bytes, join(stage, PRECOMPILED_SUBDIR), { onProgress: progress });
    } catch (cause) {
      throw new PackError('PRECOMPILE_FAILED', `${manifest.id}: precompiling ${module.path} failed: ${(cause as Error).message}`);
    }
    const record: InstallRecord = {
      format: 1,
      app_id: manifest.id,
      name: manifest.name,
      version: manifest.version,
      module_sha256: module.sha256,
      module_kind: module.info.kind,
      content_sha256: contentHash(digests).toString('hex'),
      installed_at: new Date().toISOString(),
      signed_by: signedBy,
      precompiled,
    };
    await writeFile(join(stage, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    // Durable before it becomes visible: after a crash the link never points at half-written files.
    await syncTree(stage);
    await pauseForTest('precompiled');

    const installName = `${manifest.id}-${token}`;
    installDir = join(installsDir(root), installName);
    await rename(stage, installDir);
    await pauseForTest('moved');

    const replaced = await commit(root, manifest.id, installName, token, options.force ?? false);
    committed = true;
    await syncTree(root, { recursive: false });
    await pauseForTest('committed');
    const packageDir = join(installDir, PACKAGE_SUBDIR);
    await carryOver(replaced, packageDir, root, progress);
    progress(`installed ${manifest.id} ${manifest.version}`);
    return {
      appId: manifest.id,
      name: manifest.name,
      version: manifest.version,
      root,
      entry: entryPath(root, manifest.id),
      installDir,
      packageDir,
      record,
      replaced: replaced !== null,
      warnings: report.problems.filter((p) => p.severity === 'warning'),
    };
  } catch (cause) {
    if (!committed) {
      await rm(stage, { recursive: true, force: true });
      if (installDir) await rm(installDir, { recursive: true, force: true });
    }
    throw cause;
  } finally {
    endWork(token);
  }
}

/** Removes an installed app: unlink `<root>/<id>` (atomic), then delete the install dir. */
export async function uninstallPackage(appId: string, options: { root: string }): Promise<UninstallResult> {
  const root = resolve(options.root);
  const problem = appIdProblem(appId);
  if (problem) throw new PackError('NOT_INSTALLED', `"${appId}" is not an app id (${problem})`);
  const entry = entryPath(root, appId);
  const notInstalled = (): PackError => new PackError('NOT_INSTALLED', `${appId} is not installed in ${root}`);
  let stats;
  try {
    stats = await lstat(entry);
  } catch {
    throw notInstalled();
  }
  const token = beginWork();
  try {
    let removed: UninstallResult['removed'];
    if (stats.isSymbolicLink()) {
      const installName = await referencedInstall(root, appId);
      try {
        await unlink(entry);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled(); // a concurrent uninstall won
        throw cause;
      }
      if (installName) await rm(join(installsDir(root), installName), { recursive: true, force: true });
      removed = 'link';
    } else if (stats.isDirectory()) {
      await mkdir(stagingDir(root), { recursive: true });
      const trash = join(stagingDir(root), `${token}.old`);
      try {
        await rename(entry, trash);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled();
        throw cause;
      }
      await rm(trash, { recursive: true, force: true });
      removed = 'directory';
    } else {
      throw new PackError('EXISTS', `${entry} is neither an install link nor a package directory; remove it by hand`);
    }
    await collectGarbage(root).catch(() => []);
    return { appId, root, removed };
  } finally {
    endWork(token);
  }
}
