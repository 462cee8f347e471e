// What both escape suites plant before any app runs: a secret directory outside every app's /data, the env dump app, and a read-only-grant app.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeApp, placeEnvDump } from '../corpus/apps.js';
import type { Sandbox } from './sandbox.js';
import { snapshot } from './tree.js';

/** The files fixture placed with fs:read:app-data only: it tries to write into /data and must fail. */
export const READ_ONLY_FILES_ID = 'org.weft.hostile.readonlyfiles';

/** Makes <sandbox>/outside/secret.txt holding `secret`, places the env dump and read-only-grant apps; returns the outside directory. */
export async function plantEscapeWorld(sandbox: Sandbox, secret: string): Promise<string> {
  const outside = join(sandbox.root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), `${secret}\n`);
  placeApp(sandbox, READ_ONLY_FILES_ID, { fixture: 'files' }, { capabilities: ['fs:read:app-data'] });
  await placeEnvDump(sandbox);
  return outside;
}

/** Gives the read-only-grant app a /data holding log.txt; returns that directory and its snapshot before the app runs. */
export function seedReadOnlyAppData(sandbox: Sandbox): { data: string; before: string[] } {
  const data = sandbox.appData(READ_ONLY_FILES_ID);
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'log.txt'), 'run 0\n');
  return { data, before: snapshot(data) };
}
