// The user's ceilings on what a manifest's [limits] may ask for: appd settings from the environment, with documented defaults; effective limit = min(manifest, ceiling).
import type { Limits } from '../manifest/types.js';
import type { Env } from './paths.js';

export type Ceilings = Limits;

/** Defaults: above the manifest defaults, so an ordinary app never meets them; a package may ask for less, never more. */
export const DEFAULT_CEILINGS: Ceilings = {
  memoryMaxMb: 2048,
  wasmMemoryMaxMb: 2048,
  cpuPercent: 400,
  readyTimeoutMs: 120_000,
  dataMaxMb: 4096,
};

interface CeilingSetting {
  env: string;
  manifestKey: string;
  min: number;
  max: number;
}

/** One environment variable per limit (read by weft-appd and by each runtime, which inherits appd's environment). */
export const CEILING_SETTINGS: Record<keyof Ceilings, CeilingSetting> = {
  memoryMaxMb: { env: 'WEFT_MAX_MEMORY_MB', manifestKey: 'memory_max_mb', min: 16, max: 65_536 },
  wasmMemoryMaxMb: { env: 'WEFT_MAX_WASM_MEMORY_MB', manifestKey: 'wasm_memory_max_mb', min: 1, max: 4096 },
  cpuPercent: { env: 'WEFT_MAX_CPU_PERCENT', manifestKey: 'cpu_percent', min: 1, max: 10_000 },
  readyTimeoutMs: { env: 'WEFT_MAX_READY_TIMEOUT_MS', manifestKey: 'ready_timeout_ms', min: 100, max: 600_000 },
  dataMaxMb: { env: 'WEFT_MAX_DATA_MB', manifestKey: 'data_max_mb', min: 1, max: 1_048_576 },
};

const KEYS = Object.keys(CEILING_SETTINGS) as (keyof Ceilings)[];

export class CeilingError extends Error {
  override name = 'CeilingError';
}

/**
 * The ceilings set in `env`, defaults for the rest; a bad value is an error naming the variable and
 * its range, of the class the reader's side reports (appd: a config error, the runtime: a load error).
 */
export function readCeilings(env: Env, toError: (message: string) => Error = (message) => new CeilingError(message)): Ceilings {
  const ceilings = { ...DEFAULT_CEILINGS };
  for (const key of KEYS) {
    const { env: name, min, max } = CEILING_SETTINGS[key];
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw toError(`${name}="${raw}" must be an integer from ${min} to ${max} (default ${DEFAULT_CEILINGS[key]})`);
    }
    ceilings[key] = value;
  }
  return ceilings;
}

/** The limits that apply: each the manifest's, lowered to the user's ceiling. */
export function effectiveLimits(limits: Limits, ceilings: Ceilings): Limits {
  const out = { ...limits };
  for (const key of KEYS) out[key] = Math.min(limits[key], ceilings[key]);
  return out;
}

export interface OverCeiling {
  manifestKey: string;
  asked: number;
  ceiling: number;
  env: string;
}

/** The [limits] a manifest asks above `ceilings` (they will be lowered). */
export function limitsOverCeilings(limits: Limits, ceilings: Ceilings): OverCeiling[] {
  return KEYS.filter((key) => limits[key] > ceilings[key]).map((key) => ({
    manifestKey: CEILING_SETTINGS[key].manifestKey,
    asked: limits[key],
    ceiling: ceilings[key],
    env: CEILING_SETTINGS[key].env,
  }));
}
