// Reads one setting from the environment with the error text every weft process uses for a bad value: the variable, what it must be, its default.
import type { Env } from './paths.js';

/** Builds the reader side's own error (appd: ConfigError, the runtime: LoadError). */
export type ToError = (message: string) => Error;

/** An integer in [min, max]; unset or empty gives `fallback`. */
export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number, toError: ToError): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw toError(`${name}="${raw}" must be an integer from ${min} to ${max} (default ${fallback})`);
  return value;
}

/** A number (fractions allowed) in (0, max]; unset or empty gives `fallback`. */
export function positiveSetting(env: Env, name: string, fallback: number, max: number, toError: ToError): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw toError(`${name}="${raw}" must be a number above 0 and at most ${max} (default ${fallback})`);
  return value;
}

/** A switch: `on` / `off` are the two spellings allowed (e.g. "1" / "0"); unset or empty gives `fallback`. */
export function switchSetting(env: Env, name: string, fallback: boolean, spellings: { on: string; off: string }, toError: ToError): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === spellings.on) return true;
  if (raw === spellings.off) return false;
  throw toError(`${name}="${raw}" must be "${spellings.on}" or "${spellings.off}" (default "${fallback ? spellings.on : spellings.off}")`);
}
