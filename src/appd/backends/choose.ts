// Picks the launch backend: systemd-scope when a user systemd manager is reachable, else direct; WEFT_BACKEND and WEFT_DISABLE_CGROUP override.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from '../../config/paths.js';
import type { BackendName } from './types.js';

export interface BackendProbe {
  /** `$XDG_RUNTIME_DIR/systemd/private` exists: a user manager is listening. */
  userManager: boolean;
  /** Path of systemd-run, or null when it is not on PATH. */
  systemdRun: string | null;
}

export type BackendChoice = { ok: true; name: BackendName; why: string } | { ok: false; message: string };

export function probeSystemd(env: Env = process.env): BackendProbe {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return {
    userManager: Boolean(runtimeDir && existsSync(join(runtimeDir, 'systemd', 'private'))),
    systemdRun: findOnPath('systemd-run', env),
  };
}

export function findOnPath(name: string, env: Env = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Pure: the backend for this environment and probe result, or why the requested one cannot be used. */
export function chooseBackend(env: Env, probe: BackendProbe): BackendChoice {
  // WEFT treats WEFT_DISABLE_CGROUP as set whatever its value; so do we.
  if (env.WEFT_DISABLE_CGROUP !== undefined) return { ok: true, name: 'direct', why: 'WEFT_DISABLE_CGROUP is set' };
  const requested = env.WEFT_BACKEND;
  const usable = probe.userManager && probe.systemdRun !== null;
  if (requested === 'direct') return { ok: true, name: 'direct', why: 'WEFT_BACKEND=direct' };
  if (requested === 'systemd-scope') {
    if (usable) return { ok: true, name: 'systemd-scope', why: 'WEFT_BACKEND=systemd-scope' };
    const missing = probe.systemdRun === null ? 'systemd-run is not on PATH' : 'no user systemd manager ($XDG_RUNTIME_DIR/systemd/private does not exist)';
    return { ok: false, message: `WEFT_BACKEND=systemd-scope, but ${missing}; start a user manager (systemd --user) or set WEFT_BACKEND=direct` };
  }
  if (requested !== undefined && requested !== '' && requested !== 'auto') {
    return { ok: false, message: `WEFT_BACKEND="${requested}" is not a backend; use direct, systemd-scope or auto` };
  }
  return usable
    ? { ok: true, name: 'systemd-scope', why: 'a user systemd manager is reachable' }
    : { ok: true, name: 'direct', why: probe.systemdRun === null ? 'systemd-run is not on PATH' : 'no user systemd manager' };
}
