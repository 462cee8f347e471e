// What each weft-pack subcommand does once yargs has parsed it; each returns the process exit code.
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { storeRoots, writableStoreRoot } from '../config/paths.js';
import type { Problem } from '../manifest/problem.js';
import { listInstalled } from '../store/list.js';
import { findInRoot } from '../store/resolve.js';
import { createBundle, unbundle } from './bundle.js';
import { checkPackage, checkPassed } from './check.js';
import { SIGNATURE_FILE } from './content-hash.js';
import { EXIT_FAILED, EXIT_OK, Output } from './cli-output.js';
import { PackError } from './errors.js';
import { describe, type PackageInfo } from './info.js';
import { installPackage, uninstallPackage } from './install.js';
import { generateKeyPair, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, readPublicKey, readSeedFile, signPackage, verifyPackage } from './signing.js';
import { defaultTrustedKeysDir, trustedKeyFiles } from './trusted-keys.js';

type Json = { json: boolean };

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function counts(problems: readonly Problem[]): { errors: number; warnings: number } {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}

async function guarded(json: boolean, work: (out: Output) => Promise<number>): Promise<number> {
  const out = new Output(json);
  try {
    return await work(out);
  } catch (cause) {
    return out.fail(cause);
  }
}

export function runCheck(dir: string, options: Json & { strict: boolean }): Promise<number> {
  return guarded(options.json, async (out) => {
    const report = await checkPackage(dir);
    const { errors, warnings } = counts(report.problems);
    const ok = checkPassed(report, options.strict);
    out.problems(report.problems);
    const manifest = report.manifest;
    const kind = report.module ? (report.module.info.kind === 'core' ? 'core module' : 'component') : null;
    let text: string | null = null;
    if (!ok) {
      out.note(`weft-pack: ${dir} has ${plural(errors, 'error')} and ${plural(warnings, 'warning')}${errors === 0 ? ' (--strict)' : ''}`);
    } else {
      text = `${dir}: ok (${manifest?.id} ${manifest?.version}${kind ? `, ${kind}` : ''}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''})`;
    }
    out.result(text, { ok, dir, app_id: manifest?.id ?? null, errors, warnings, problems: report.problems });
    return ok ? EXIT_OK : EXIT_FAILED;
  });
}

function infoText(info: PackageInfo): string {
  const lines = [`${info.app_id} ${info.version} — ${info.name}`];
  const row = (label: string, value: string): void => {
    lines.push(`  ${`${label}:`.padEnd(16)}${value}`);
  };
  if (info.description) row('description', info.description);
  if (info.author) row('author', info.author);
  row('capabilities', info.capabilities.length > 0 ? info.capabilities.join(', ') : '(none)');
  row('module', `${info.module.path} (${info.module.kind === 'core' ? 'core module' : 'component'}, ${info.module.size} bytes)`);
  row('module sha256', info.module.sha256);
  row('imports', info.module.imports.length > 0 ? String(info.module.imports.length) : '(none)');
  for (const item of info.module.imports) lines.push(`    ${item.name}${item.kind === 'function' || item.kind === 'instance' ? '' : ` (${item.kind})`}`);
  row('exports', info.module.exports.map((e) => e.name).join(', ') || '(none)');
  row('ui entry', info.ui_entry ?? '(none)');
  row('files', `${info.files} (${info.package_bytes} bytes)`);
  row('content sha256', info.content_sha256);
  row('signed', info.signed ? 'yes (signature.sig present; verify with weft-pack verify)' : 'no');
  if (info.installed) {
    row('installed in', info.installed.root);
    row('package dir', info.installed.package_dir);
    if (info.installed.installed_at) row('installed at', info.installed.installed_at);
    row('signed by', info.installed.signed_by ?? '(not verified at install)');
    row('precompiled', info.installed.precompiled ? 'yes' : 'no (transpiled on first launch)');
  }
  return lines.join('\n');
}

export function runInfo(target: string, options: Json & { store?: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const info = await describe(target, options.store ? { store: options.store } : {});
    out.problems(info.warnings);
    out.result(infoText(info), info);
    return EXIT_OK;
  });
}

export interface InstallCliOptions extends Json {
  store?: string;
  force: boolean;
  trustedKey: string[];
  trustedKeysDir?: string;
  requireSignature: boolean;
  strict: boolean;
}

export function runInstall(source: string, options: InstallCliOptions): Promise<number> {
  return guarded(options.json, async (out) => {
    const root = options.store ?? writableStoreRoot();
    const trustedKeys = [...options.trustedKey];
    // The default trust directory only applies when a signature is required, so an unsigned
    // install never depends on what happens to be in ~/.config.
    const keysDir = options.trustedKeysDir ?? (options.requireSignature ? defaultTrustedKeysDir() : undefined);
    if (keysDir) trustedKeys.push(...(await trustedKeyFiles(keysDir)));
    if (options.requireSignature && trustedKeys.length === 0) {
      throw new PackError('UNTRUSTED_SIGNATURE', `a signature is required but there are no trusted keys: pass --trusted-key <file.pub>, or put *.pub files in ${keysDir}`);
    }
    const started = performance.now();
    const result = await installPackage(source, {
      root,
      force: options.force,
      trustedKeys,
      requireSignature: options.requireSignature,
      strict: options.strict,
      onProgress: out.progress,
    });
    out.problems(result.warnings);
    const ms = Math.round(performance.now() - started);
    const extras = [result.record.precompiled ? 'precompiled' : null, result.record.signed_by ? `signed by ${result.record.signed_by.slice(0, 16)}…` : null, result.replaced ? 'replaced the previous install' : null].filter(Boolean);
    out.result(`installed ${result.appId} ${result.version} into ${result.root} (${[...extras, `${ms} ms`].join(', ')})`, {
      ok: true,
      app_id: result.appId,
      version: result.version,
      root: result.root,
      install_dir: result.installDir,
      replaced: result.replaced,
      warnings: result.warnings,
      record: result.record,
    });
    return EXIT_OK;
  });
}

export function runUninstall(appId: string, options: Json & { store?: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const root = options.store ?? writableStoreRoot();
    try {
      const result = await uninstallPackage(appId, { root });
      out.result(`uninstalled ${appId} from ${result.root}`, { ok: true, app_id: appId, root: result.root, removed: result.removed });
      return EXIT_OK;
    } catch (cause) {
      if (cause instanceof PackError && cause.code === 'NOT_INSTALLED' && !options.store) {
        for (const other of storeRoots().slice(1)) {
          if (await findInRoot(other, appId)) {
            throw new PackError('NOT_INSTALLED', `${appId} is not installed in ${root}; it is installed in ${other}, which weft-pack does not manage (remove it with the tool that put it there)`);
          }
        }
      }
      throw cause;
    }
  });
}

export function runList(options: Json & { store?: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const apps = await listInstalled(options.store ? { WEFT_APP_STORE: options.store } : process.env);
    const rows = apps.map(({ installed, manifest, problem }) => ({
      app_id: installed.appId,
      name: manifest?.name ?? null,
      version: manifest?.version ?? null,
      root: installed.root,
      package_dir: installed.packageDir,
      installed_by_weft: installed.record !== null,
      signed_by: installed.record?.signed_by ?? null,
      problem: problem ?? null,
    }));
    const width = Math.max(0, ...rows.map((r) => r.app_id.length));
    const text =
      rows.length === 0
        ? `no apps installed (store${options.store ? '' : 's'}: ${options.store ?? storeRoots().join(', ')})`
        : rows
            .map((r) => `${r.app_id.padEnd(width)}  ${(r.version ?? '?').padEnd(8)}  ${r.name ?? `(unreadable: ${r.problem})`}${r.signed_by ? '  [signed]' : ''}${r.installed_by_weft ? '' : '  [not installed by weft]'}`)
            .join('\n');
    out.result(text, rows);
    return EXIT_OK;
  });
}

export function runBundle(dir: string, options: Json & { out?: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const result = await createBundle(dir, { ...(options.out !== undefined ? { out: options.out } : {}), onProgress: out.progress });
    out.result(`wrote ${result.path} (${result.appId}, ${result.entries} entries, ${result.bytes} bytes)`, { ok: true, app_id: result.appId, path: result.path, entries: result.entries, bytes: result.bytes });
    return EXIT_OK;
  });
}

export function runUnbundle(archive: string, options: Json & { into: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const result = await unbundle(archive, options.into);
    out.result(`unpacked ${result.appId} into ${result.packageDir} (${result.entries} entries, ${result.bytes} bytes)`, { ok: true, app_id: result.appId, dir: result.packageDir, entries: result.entries, bytes: result.bytes });
    return EXIT_OK;
  });
}

async function writeNew(path: string, text: string, mode: number, force: boolean): Promise<void> {
  const flags = force ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  let handle;
  try {
    handle = await open(path, flags, mode);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw new PackError('EXISTS', `${path} already exists; keep it, or pass --force to overwrite it`);
    throw cause;
  }
  try {
    await handle.chmod(mode);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

export function runGenerateKey(dir: string, options: Json & { force: boolean }): Promise<number> {
  return guarded(options.json, async (out) => {
    await mkdir(dir, { recursive: true });
    const pair = generateKeyPair();
    const keyPath = resolve(dir, PRIVATE_KEY_FILE);
    const pubPath = resolve(dir, PUBLIC_KEY_FILE);
    await writeNew(keyPath, pair.seedHex, 0o600, options.force);
    await writeNew(pubPath, pair.publicHex, 0o644, options.force);
    out.result(`wrote ${keyPath} (private: keep it secret) and ${pubPath}\npublic key: ${pair.publicHex}`, { ok: true, private_key_file: keyPath, public_key_file: pubPath, public_key: pair.publicHex });
    return EXIT_OK;
  });
}

export function runSign(dir: string, options: Json & { key: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const seed = await readSeedFile(options.key);
    const result = await signPackage(dir, seed);
    out.result(`signed ${dir}: ${result.files} files, content sha256 ${result.contentHash}, key ${result.publicKey}`, { ok: true, dir, content_sha256: result.contentHash, public_key: result.publicKey, files: result.files });
    return EXIT_OK;
  });
}

export function runVerify(dir: string, options: Json & { key: string }): Promise<number> {
  return guarded(options.json, async (out) => {
    const key = await readPublicKey(options.key);
    const outcome = await verifyPackage(dir, [key]);
    if (outcome.status === 'valid') {
      out.result(`${dir}: signature OK (key ${outcome.signer}, content sha256 ${outcome.contentHash})`, { ok: true, dir, signer: outcome.signer, content_sha256: outcome.contentHash });
      return EXIT_OK;
    }
    if (outcome.status === 'unsigned') throw new PackError('SIGNATURE_REQUIRED', `${dir} is not signed: it has no ${SIGNATURE_FILE}`);
    throw new PackError('SIGNATURE_INVALID', `${dir}: the signature does not verify: ${outcome.reason}`);
  });
}
