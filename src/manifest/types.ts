// The typed form of wapp.toml: WEFT's tables plus weft's [limits] and [restart], with defaults filled in.
import type { Grant } from './capabilities.js';
import type { Schedule } from './schedules.js';
import type { Variable } from './variables.js';

export type RestartPolicy = 'no' | 'on-failure' | 'always';

export interface Limits {
  /** Process memory cap (RSS / cgroup MemoryMax), MiB. */
  memoryMaxMb: number;
  /** Linear-memory cap for the wasm instance, MiB (defaults to memoryMaxMb). */
  wasmMemoryMaxMb: number;
  /** CPU cap in percent of one core (systemd CPUQuota semantics). */
  cpuPercent: number;
  /** How long the app may take to reach READY. */
  readyTimeoutMs: number;
  /** Bytes the app's data dir (/data) may hold, MiB; writes past it fail with a quota error. */
  dataMaxMb: number;
}

export interface Restart {
  policy: RestartPolicy;
  /** Give up after this many restarts within windowMs (systemd's StartLimitBurst). */
  maxRestarts: number;
  windowMs: number;
  /** First backoff; it doubles per consecutive restart, capped at 30 s. */
  backoffMs: number;
}

export interface Manifest {
  id: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
  capabilities: string[];
  grants: Grant[];
  module: string;
  uiEntry?: string;
  limits: Limits;
  restart: Restart;
  /** [variables]: settings and secrets for weft:app/config; empty when the table is absent. */
  variables: Variable[];
  /** [[schedules]]: wake-ups weft-appd delivers; empty when absent. */
  schedules: Schedule[];
}

export const DEFAULT_LIMITS: Limits = {
  memoryMaxMb: 512,
  wasmMemoryMaxMb: 512,
  cpuPercent: 200,
  readyTimeoutMs: 30_000,
  dataMaxMb: 256,
};

export const DEFAULT_RESTART: Restart = {
  policy: 'no',
  maxRestarts: 5,
  windowMs: 60_000,
  backoffMs: 200,
};
