// Finds an installed app and checks it before running: manifest, module path, wasm kind, and the hash the install recorded.
import { sha256Hex } from '../../fs/sha256.js';
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from '../../fs/inside.js';
import type { Env } from '../../config/paths.js';
import { loadManifest } from '../../manifest/load.js';
import type { Manifest } from '../../manifest/types.js';
import { resolveInstalled, type InstalledPackage } from '../../store/resolve.js';
import { wasmKind, type WasmKind } from '../../wasm/binary.js';
import { LoadError } from './load-error.js';

export interface LoadedPackage {
  installed: InstalledPackage;
  manifest: Manifest;
  module: Uint8Array;
  moduleSha256: string;
  moduleKind: WasmKind;
}

export async function loadPackage(appId: string, env: Env): Promise<LoadedPackage> {
  let installed: InstalledPackage;
  try {
    installed = await resolveInstalled(appId, env);
  } catch (cause) {
    throw new LoadError((cause as Error).message);
  }
  let manifest: Manifest;
  try {
    manifest = await loadManifest(installed.packageDir);
  } catch (cause) {
    throw new LoadError((cause as Error).message.replace(/\n/g, '; '));
  }
  if (manifest.id !== appId) {
    throw new LoadError(`${join(installed.packageDir, 'wapp.toml')} declares id "${manifest.id}" but is installed as "${appId}"`);
  }
  const modulePath = join(installed.packageDir, manifest.module);
  let realModule: string;
  try {
    realModule = await realpath(modulePath);
  } catch {
    throw new LoadError(`${modulePath} does not exist (runtime.module = "${manifest.module}")`);
  }
  if (!isInside(installed.packageDir, realModule)) {
    throw new LoadError(`${modulePath} resolves to ${realModule}, outside the package directory`);
  }
  const module = new Uint8Array(await readFile(realModule));
  let moduleKind: WasmKind;
  try {
    moduleKind = wasmKind(module);
  } catch (cause) {
    throw new LoadError(`${modulePath}: ${(cause as Error).message}`);
  }
  const moduleSha256 = sha256Hex(module);
  const record = installed.record;
  if (record && record.module_sha256 !== moduleSha256) {
    throw new LoadError(
      `${modulePath} changed since it was installed (sha256 ${moduleSha256}, install record ${record.module_sha256}); reinstall it with weft-pack install --force`,
    );
  }
  return { installed, manifest, module, moduleSha256, moduleKind };
}
