// Where an installed package and weft's own records for it live inside one store root.
import { join } from 'node:path';

/**
 * A store root keeps WEFT's layout — `<root>/<id>/wapp.toml` — so WEFT tools can read it. weft
 * makes `<root>/<id>` a relative symlink into `<root>/.weft/installs/<id>-<token>/package`; the
 * install dir also holds `record.json` and `precompiled/`. Everything for one install is staged
 * in `.weft/staging/` and committed by creating (or, with --force, renaming over) that one
 * symlink, so a reader sees the old install or the new one, never a mix.
 */
export const WEFT_DIR = '.weft';
export const RECORD_FILE = 'record.json';
export const PACKAGE_SUBDIR = 'package';
export const PRECOMPILED_SUBDIR = 'precompiled';

export function installsDir(root: string): string {
  return join(root, WEFT_DIR, 'installs');
}

export function stagingDir(root: string): string {
  return join(root, WEFT_DIR, 'staging');
}

/** The committed entry `<root>/<id>`: a symlink made by weft, or a plain directory put there by WEFT. */
export function entryPath(root: string, appId: string): string {
  return join(root, appId);
}

/** The symlink text for an install dir name, relative so the store can be moved. */
export function entryTarget(installName: string): string {
  return join(WEFT_DIR, 'installs', installName, PACKAGE_SUBDIR);
}
