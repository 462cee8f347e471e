// `weft-pack check`: every problem with a package directory at once — manifest, files, WebAssembly, imports versus capabilities.
import { lstat, readFile, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Grant } from '../manifest/capabilities.js';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest, type ManifestFields } from '../manifest/parse.js';
import { error, hasErrors, warning, type Problem } from '../manifest/problem.js';
import type { Limits, Manifest } from '../manifest/types.js';
import { isRunExport } from '../wasm/entry-point.js';
import { inspectWasm, type WasmInfo } from '../wasm/inspect.js';
import { sha256Hex } from './content-hash.js';
import { CAPABILITY_HINTS, GRANT_KIND } from '../protocol/interfaces.js';
import { judgeComponentImport, judgeCoreImport, type CapabilityUse } from './import-policy.js';
import { resolveFileInside } from './inside.js';
import { DEFAULT_LIMITS, mebibytes, type PackageLimits } from './limits.js';
import { walkPackage, type PackageTree } from './package-tree.js';
import { whereLinkLeads } from './symlink-target.js';
import { DEFAULT_CEILINGS, limitsOverCeilings } from '../config/ceilings.js';

export interface ModuleFacts {
  /** runtime.module as written in the manifest. */
  path: string;
  size: number;
  sha256: string;
  info: WasmInfo;
  bytes: Uint8Array;
}

export interface CheckReport {
  problems: Problem[];
  /** The parsed manifest, when it has no errors. */
  manifest: Manifest | null;
  fields: ManifestFields | null;
  /** The module, when it was read and is valid WebAssembly (imports may still be wrong). */
  module: ModuleFacts | null;
  tree: PackageTree | null;
}

export interface CheckOptions {
  limits?: PackageLimits;
}

/** Passed means no errors, and with `strict` no warnings either. */
export function checkPassed(report: Pick<CheckReport, 'problems'>, strict = false): boolean {
  return strict ? report.problems.length === 0 : !hasErrors(report.problems);
}

/** Top-level name WEFT reserves for app data inside an installed package. */
export const RESERVED_DATA = 'data';

const UNUSED_HINT = 'remove it from package.capabilities: a grant the app does not use only widens what a compromised app could do';

function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

async function readManifestText(dirReal: string, problems: Problem[]): Promise<string | null> {
  const found = await resolveFileInside(dirReal, MANIFEST_FILE);
  if (!found.ok) {
    const hint = found.why === 'missing' ? 'create wapp.toml with [package] id, name, version and [runtime] module' : undefined;
    problems.push(error(MANIFEST_FILE, found.why === 'missing' ? 'does not exist: every package needs a manifest' : found.message, hint));
    return null;
  }
  if (found.stats.size > MAX_MANIFEST_BYTES) {
    problems.push(error(MANIFEST_FILE, `is ${found.stats.size} bytes; the limit is ${MAX_MANIFEST_BYTES}`));
    return null;
  }
  return readFile(found.real, 'utf8');
}

/** Symlinks that are absolute or leave the package, special files, and the size caps. */
async function checkTree(dirReal: string, tree: PackageTree, skip: ReadonlySet<string>, limits: PackageLimits, problems: Problem[]): Promise<void> {
  for (const entry of tree.entries) {
    if (entry.path === RESERVED_DATA) {
      problems.push(error(RESERVED_DATA, 'is reserved: an installed app keeps its data in <store>/<id>/data, so a package may not contain it', 'rename or remove it'));
    }
    if (/[\u0000-\u001f\u007f]/.test(entry.path)) {
      problems.push(error(JSON.stringify(entry.path), 'has a control character in its name, which would break the signature listing', 'rename it'));
      continue;
    }
    if (skip.has(entry.path)) continue;
    if (entry.type === 'other') {
      problems.push(error(entry.path, `is ${entry.what}; a package may hold only files, directories and symlinks`, 'remove it from the package'));
    } else if (entry.type === 'symlink') {
      if (posix.isAbsolute(entry.target)) {
        problems.push(error(entry.path, `is a symlink to the absolute path "${entry.target}"; symlinks in a package must be relative and stay inside it`, 'replace it with the file, or a relative symlink'));
        continue;
      }
      problems.push(...(await symlinkProblems(dirReal, entry.path, entry.target)));
    }
  }
  if (tree.overLimit === 'entries') {
    problems.push(error('.', `has more than ${limits.maxEntries} files, directories and symlinks; the limit is ${limits.maxEntries}`));
  } else if (tree.overLimit === 'bytes') {
    problems.push(error('.', `holds more than ${mebibytes(limits.maxTotalBytes)} of files; the limit is ${limits.maxTotalBytes} bytes`));
  }
}

async function readModule(dirReal: string, modulePath: string, limits: PackageLimits, problems: Problem[]): Promise<ModuleFacts | null> {
  const found = await resolveFileInside(dirReal, modulePath);
  if (!found.ok) {
    const hint = found.why === 'missing' ? 'build the module, or fix module under [runtime]' : undefined;
    problems.push(error('runtime.module', found.message, hint));
    return null;
  }
  if (found.stats.size > limits.maxModuleBytes) {
    problems.push(error('runtime.module', `"${modulePath}" is ${found.stats.size} bytes; the limit is ${limits.maxModuleBytes} bytes (${mebibytes(limits.maxModuleBytes)})`));
    return null;
  }
  const bytes = new Uint8Array(await readFile(found.real));
  const inspected = inspectWasm(bytes);
  if (!inspected.ok) {
    problems.push(error(modulePath, inspected.rejection.message));
    return null;
  }
  return { path: modulePath, size: bytes.length, sha256: sha256Hex(bytes), info: inspected.info, bytes };
}

/** Checks the entry point and every import; returns the capability families the imports use. */
function checkModuleShape(module: ModuleFacts, grants: readonly Grant[], problems: Problem[]): Set<CapabilityUse> {
  const uses = new Set<CapabilityUse>();
  const where = module.path;
  const granted = (need: CapabilityUse): boolean => grants.some((g) => g.kind === GRANT_KIND[need]);
  const missingGrant = (importName: string, need: CapabilityUse): void => {
    const hint = CAPABILITY_HINTS[need];
    problems.push(error(where, `imports ${importName}, which needs ${hint.what}, but package.capabilities does not grant one`, hint.add));
  };

  if (module.info.kind === 'core') {
    const { imports, exports } = module.info;
    const foreign = new Map<string, string[]>();
    for (const item of imports) {
      const verdict = judgeCoreImport(item);
      if (verdict.ok) {
        if (verdict.uses) uses.add(verdict.uses);
      } else if (item.module !== 'wasi_snapshot_preview1') {
        foreign.set(item.module, [...(foreign.get(item.module) ?? []), item.name]);
      } else {
        problems.push(error(where, verdict.message, verdict.hint));
      }
    }
    for (const [from, names] of foreign) {
      problems.push(
        error(
          where,
          `imports ${names.length} item${names.length === 1 ? '' : 's'} from "${from}" (${listNames(names)}); a core module may import only from wasi_snapshot_preview1`,
          'link everything into the module (no undefined symbols), or build a component',
        ),
      );
    }
    if (!exports.some((e) => e.name === '_start' && e.kind === 'function')) {
      problems.push(error(where, 'is a core module without a "_start" function export; weft runs WASI commands', 'build a command: clang --target=wasm32-wasi (not -mexec-model=reactor)'));
    }
    if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
      problems.push(error(where, 'does not export its memory as "memory", which WASI preview1 needs', 'let the linker export memory (the default for wasm32-wasi)'));
    }
    return uses;
  }

  for (const item of module.info.imports) {
    const verdict = judgeComponentImport(item);
    if (!verdict.ok) {
      problems.push(error(where, verdict.message, verdict.hint));
      continue;
    }
    if (verdict.uses) uses.add(verdict.uses);
    if (verdict.needs && !granted(verdict.needs)) missingGrant(item.name, verdict.needs);
  }
  const runs = module.info.exports.filter((e) => e.name.startsWith('wasi:cli/run@'));
  if (!runs.some((e) => e.kind === 'instance' && isRunExport(e.name))) {
    const other = runs[0];
    problems.push(
      error(
        where,
        other ? `exports ${other.name}; weft runs components that export wasi:cli/run@0.2.x` : 'is a component that does not export wasi:cli/run@0.2.x; weft runs command components',
        'build a binary for wasm32-wasip2, or wrap a preview1 command with the preview1 adapter',
      ),
    );
  }
  return uses;
}

function checkUnusedGrants(module: ModuleFacts, grants: readonly Grant[], uses: ReadonlySet<CapabilityUse>, problems: Problem[]): void {
  const component = module.info.kind === 'component';
  for (const grant of grants) {
    let reason: string | null = null;
    if (grant.kind === 'fs' && !uses.has('fs')) {
      reason = component ? 'imports no wasi:filesystem interface' : 'does not import path_open';
    } else if (grant.kind === 'net-fetch' && !uses.has('net-fetch')) {
      reason = component ? 'imports neither weft:app/fetch nor wasi:http' : 'is a core module, which cannot import weft:app/fetch';
    } else if (grant.kind === 'notifications' && !uses.has('notifications')) {
      reason = 'does not import weft:app/notifications';
    } else if (grant.kind === 'clipboard' && !uses.has('clipboard')) {
      reason = 'does not import weft:app/clipboard';
    } else if (grant.kind === 'kv' && !uses.has('kv')) {
      reason = 'does not import weft:app/kv';
    } else if (grant.kind === 'config' && !uses.has('config')) {
      reason = 'does not import weft:app/config';
    } else if (grant.kind === 'gpu') {
      problems.push(warning('package.capabilities', `"${grant.capability}" has no effect: weft gives apps no GPU interface`, UNUSED_HINT));
    }
    if (reason) problems.push(warning('package.capabilities', `"${grant.capability}" is not used: ${module.path} ${reason}`, UNUSED_HINT));
  }
}

async function checkUiEntry(dirReal: string, entry: string, problems: Problem[]): Promise<void> {
  const found = await resolveFileInside(dirReal, entry);
  if (!found.ok) problems.push(error('ui.entry', found.message, found.why === 'missing' ? 'create the UI file, or fix entry under [ui]' : undefined));
}

/** Checks a package directory. Never throws for a bad package: every finding is in `problems`. */
export async function checkPackage(dir: string, options: CheckOptions = {}): Promise<CheckReport> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const report: CheckReport = { problems: [], manifest: null, fields: null, module: null, tree: null };
  const problems = report.problems;
  let dirReal: string;
  try {
    const stats = await lstat(dir);
    dirReal = await realpath(dir);
    if (!(stats.isDirectory() || (stats.isSymbolicLink() && (await lstat(dirReal)).isDirectory()))) {
      problems.push(error(dir, 'is not a directory; give the package directory (the one holding wapp.toml)'));
      return report;
    }
  } catch {
    problems.push(error(dir, 'does not exist'));
    return report;
  }

  const text = await readManifestText(dirReal, problems);
  let fields: ManifestFields | undefined;
  if (text !== null) {
    const parsed = parseManifest(text);
    problems.push(...parsed.problems);
    report.manifest = parsed.manifest ?? null;
    fields = parsed.fields;
    report.fields = fields ?? null;
    if (parsed.manifest) problems.push(...limitsAboveDefaultCeilings(parsed.manifest.limits));
  }

  const tree = await walkPackage(dirReal, limits);
  report.tree = tree;
  const named = new Set([MANIFEST_FILE, fields?.module, fields?.uiEntry].filter((p): p is string => p !== undefined));
  await checkTree(dirReal, tree, named, limits, problems);

  if (fields?.module !== undefined) {
    const module = await readModule(dirReal, fields.module, limits, problems);
    if (module) {
      report.module = module;
      const uses = checkModuleShape(module, fields.grants, problems);
      checkUnusedGrants(module, fields.grants, uses, problems);
    }
  }
  if (fields?.uiEntry !== undefined) await checkUiEntry(dirReal, fields.uiEntry, problems);
  return report;
}

/** A package symlink must lead inside the package, followed as the kernel does; dangling is a warning, dangling outside an error. */
async function symlinkProblems(dirReal: string, path: string, target: string): Promise<Problem[]> {
  const end = await whereLinkLeads(dirReal, path);
  if (end.leads === 'loop') return [error(path, `is a symlink to "${target}", which goes through more than 40 symlinks (a loop?)`, 'remove the loop')];
  if (end.leads === 'outside') {
    const dangling = end.dangling ? ' once its target exists (it does not yet)' : '';
    return [error(path, `is a symlink to "${target}", which leads outside the package${dangling}`, 'copy the file into the package instead of linking to it')];
  }
  return end.dangling ? [warning(path, `is a symlink to "${target}", which does not exist`)] : [];
}

/** [limits] above weft's default ceilings: the package runs with the ceiling unless the user raises it. */
function limitsAboveDefaultCeilings(limits: Limits): Problem[] {
  return limitsOverCeilings(limits, DEFAULT_CEILINGS).map((over) =>
    warning(
      `limits.${over.manifestKey}`,
      `is ${over.asked}, above weft's default ceiling of ${over.ceiling}: the app runs with ${over.ceiling} unless the user raises ${over.env}`,
      `ask for at most ${over.ceiling}`,
    ),
  );
}
