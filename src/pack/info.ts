// `weft-pack info`: what a package directory or an installed app is — metadata, capabilities, module kind, imports, exports, sizes and hashes.
import { stat } from 'node:fs/promises';
import type { Env } from '../config/paths.js';
import { storeRoots } from '../config/paths.js';
import { isValidAppId } from '../manifest/app-id.js';
import type { Problem } from '../manifest/problem.js';
import { findInRoot, type InstalledPackage } from '../store/resolve.js';
import { checkPackage } from './check.js';
import { contentHash, packageDigests, SIGNATURE_FILE } from './content-hash.js';
import { PackError } from './errors.js';

export interface PackageInfo {
  app_id: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
  capabilities: string[];
  module: {
    path: string;
    kind: 'core' | 'component';
    size: number;
    sha256: string;
    /** Core: `module.name`; component: the interface name (`wasi:cli/environment@0.2.3`). */
    imports: Array<{ name: string; kind: string }>;
    exports: Array<{ name: string; kind: string }>;
  };
  ui_entry: string | null;
  /** WEFT's canonical content hash (what signature.sig signs). */
  content_sha256: string;
  files: number;
  package_bytes: number;
  signed: boolean;
  warnings: Problem[];
  installed?: {
    root: string;
    package_dir: string;
    install_dir: string | null;
    installed_at: string | null;
    signed_by: string | null;
    precompiled: boolean;
  };
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

/** Reads and checks a package directory; a package with errors is refused with them (as check would list). */
export async function describePackage(dir: string): Promise<PackageInfo> {
  const report = await checkPackage(dir);
  const { manifest, module, tree } = report;
  if (!manifest || !module || !tree || report.problems.some((p) => p.severity === 'error')) {
    throw new PackError('INVALID_PACKAGE', `${dir} is not a valid package (weft-pack check ${dir} lists why)`, report.problems);
  }
  const digests = await packageDigests(dir, tree);
  const info = module.info;
  const described: PackageInfo = {
    app_id: manifest.id,
    name: manifest.name,
    version: manifest.version,
    capabilities: manifest.capabilities,
    module: {
      path: module.path,
      kind: info.kind,
      size: module.size,
      sha256: module.sha256,
      imports: info.kind === 'core' ? info.imports.map((i) => ({ name: `${i.module}.${i.name}`, kind: i.kind })) : info.imports.map((i) => ({ name: i.name, kind: i.kind })),
      exports: info.exports.map((e) => ({ name: e.name, kind: e.kind })),
    },
    ui_entry: manifest.uiEntry ?? null,
    content_sha256: contentHash(digests).toString('hex'),
    files: tree.entries.filter((e) => e.type === 'file').length,
    package_bytes: tree.totalBytes,
    signed: tree.entries.some((e) => e.path === SIGNATURE_FILE && e.type === 'file'),
    warnings: report.problems.filter((p) => p.severity === 'warning'),
  };
  if (manifest.description !== undefined) described.description = manifest.description;
  if (manifest.author !== undefined) described.author = manifest.author;
  return described;
}

async function findInstalled(appId: string, roots: readonly string[]): Promise<InstalledPackage | null> {
  for (const root of roots) {
    const found = await findInRoot(root, appId);
    if (found) return found;
  }
  return null;
}

/** `info <dir|id>`: an existing directory is read as a package; otherwise the argument is an app id looked up in the store roots. */
export async function describe(target: string, options: { store?: string; env?: Env } = {}): Promise<PackageInfo> {
  if (await isDirectory(target)) return describePackage(target);
  const roots = options.store ? [options.store] : storeRoots(options.env ?? process.env);
  if (!isValidAppId(target)) {
    throw new PackError('BAD_SOURCE', `${target} is neither a package directory nor an app id`);
  }
  const installed = await findInstalled(target, roots);
  if (!installed) throw new PackError('NOT_INSTALLED', `${target} is not a directory and not installed (looked in ${roots.join(', ')})`);
  const info = await describePackage(installed.packageDir);
  info.installed = {
    root: installed.root,
    package_dir: installed.packageDir,
    install_dir: installed.installDir,
    installed_at: installed.record?.installed_at ?? null,
    signed_by: installed.record?.signed_by ?? null,
    precompiled: installed.record?.precompiled != null,
  };
  return info;
}
