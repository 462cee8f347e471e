// The user's ceilings over [limits]: a manifest may ask for less than these, never more (weft-appd settings; defaults documented in appd.md).
import type { Env } from '../config/paths.js';
import type { Limits } from './types.js';

export type Ceilings = Limits;

/** What weft-appd allows any app when the user sets nothing. */
export const DEFAULT_CEILINGS: Ceilings = {
  memoryMaxMb: 1024,
  wasmMemoryMaxMb: 1024,
  cpuPercent: 200,
  readyTimeoutMs: 120_000,
};

/** Each ceiling's manifest key and the appd setting that raises or lowers it. */
export const CEILING_KEYS: Readonly<Record<keyof Ceilings, { key: string; setting: string; unit: string }>> = {
  memoryMaxMb: { key: 'memory_max_mb', setting: 'WEFT_CEILING_MEMORY_MB', unit: 'MiB' },
  wasmMemoryMaxMb: { key: 'wasm_memory_max_mb', setting: 'WEFT_CEILING_WASM_MEMORY_MB', unit: 'MiB' },
  cpuPercent: { key: 'cpu_percent', setting: 'WEFT_CEILING_CPU_PERCENT', unit: '%' },
  readyTimeoutMs: { key: 'ready_timeout_ms', setting: 'WEFT_CEILING_READY_TIMEOUT_MS', unit: 'ms' },
};

const FIELDS = Object.keys(CEILING_KEYS) as (keyof Ceilings)[];

/** The ceilings from the environment; a bad value is an error naming the setting. */
export function readCeilings(env: Env): { ok: true; ceilings: Ceilings } | { ok: false; message: string } {
  const ceilings = { ...DEFAULT_CEILINGS };
  for (const field of FIELDS) {
    const { setting } = CEILING_KEYS[field];
    const raw = env[setting];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) return { ok: false, message: `${setting}="${raw}" must be a positive integer (default ${DEFAULT_CEILINGS[field]})` };
    ceilings[field] = value;
  }
  return { ok: true, ceilings };
}

/** The limits a session runs with: each the lower of the manifest's and the ceiling; `capped` says which were lowered. */
export function capLimits(limits: Limits, ceilings: Ceilings): { limits: Limits; capped: string[] } {
  const out = { ...limits };
  const capped: string[] = [];
  for (const field of FIELDS) {
    if (limits[field] <= ceilings[field]) continue;
    const { key, setting, unit } = CEILING_KEYS[field];
    capped.push(`[limits] ${key} = ${limits[field]} ${unit} is above the user's ceiling; running with ${ceilings[field]} ${unit} (${setting})`);
    out[field] = ceilings[field];
  }
  return { limits: out, capped };
}

/** For weft-pack check: each [limits] value above the default ceilings, with the setting a user would raise. */
export function aboveDefaultCeilings(limits: Limits): { key: string; message: string; hint: string }[] {
  return FIELDS.filter((field) => limits[field] > DEFAULT_CEILINGS[field]).map((field) => {
    const { key, setting, unit } = CEILING_KEYS[field];
    return {
      key: `limits.${key}`,
      message: `asks for ${limits[field]} ${unit}, above weft-appd's default ceiling of ${DEFAULT_CEILINGS[field]} ${unit}; the app gets the ceiling unless its user raises ${setting}`,
      hint: `ask for at most ${DEFAULT_CEILINGS[field]} ${unit}, or document that users must set ${setting}`,
    };
  });
}
