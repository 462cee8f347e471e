// What the weft:app@0.2 capabilities keep on disk for one app, as host paths: appd binds them into the sandbox (creating the writable ones), the runtime's factors open the same paths.
import { dirname } from 'node:path';
import type { Manifest } from '../manifest/types.js';
import { appSchedulesFile, kvDir, scheduleStateFile, variablesFile, type Env } from './paths.js';

export interface StatePath {
  path: string;
  writable: boolean;
  /** May not exist yet (a file another process writes later): bound only when present. */
  optional?: boolean;
}

/**
 * storage:kv — the app's store directory, read-write; schedule:manage — the directory of the app's
 * schedules file (read-write, for the atomic rename) and appd's last-fired file (read-only);
 * declared [variables] — the values file, read-only. Nothing for an app with none of these.
 */
export function capabilityState(manifest: Pick<Manifest, 'id' | 'grants' | 'variables'>, env: Env): StatePath[] {
  const { id, grants, variables } = manifest;
  const granted = (kind: string): boolean => grants.some((g) => g.kind === kind);
  const paths: StatePath[] = [];
  if (granted('kv')) paths.push({ path: kvDir(id, env), writable: true });
  if (granted('schedule')) paths.push({ path: dirname(appSchedulesFile(id, env)), writable: true }, { path: scheduleStateFile(env), writable: false, optional: true });
  if (variables.length > 0) paths.push({ path: variablesFile(id, env), writable: false, optional: true });
  return paths;
}
