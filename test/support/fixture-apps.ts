// Where the checkout and its fixture apps (apps/<name>) are, and the package id a wapp.toml declares.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const FIXTURE_APPS_DIR = join(REPO_ROOT, 'apps');

/** The `id = "..."` of a manifest's text (a regex, not a TOML parser: enough for our own fixtures). */
export function manifestAppId(toml: string, where = 'wapp.toml'): string {
  const id = /^\s*id\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!id) throw new Error(`${where} has no package id`);
  return id;
}

/** The package id apps/<name>/wapp.toml declares. */
export function fixtureAppId(name: string): string {
  const path = join(FIXTURE_APPS_DIR, name, 'wapp.toml');
  return manifestAppId(readFileSync(path, 'utf8'), path);
}
