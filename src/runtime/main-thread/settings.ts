// weft-runtime's settings, read from its environment once per session; a bad value refuses the launch with the variable, its allowed values and its default, as weft-appd reports its own.
import { readCeilings, type Ceilings } from '../../config/ceilings.js';
import type { Env } from '../../config/paths.js';
import { integerSetting, positiveSetting, switchSetting } from '../../config/setting.js';
import { minIntervalSeconds } from '../../manifest/schedules.js';
import { LoadError } from './load-error.js';

export interface RuntimeSettings {
  /** The user's ceilings on [limits] (WEFT_MAX_*), the same reader appd uses. */
  ceilings: Ceilings;
  /** WEFT_RUNTIME_CODE_CACHE: "0" turns the V8 code cache for component.js off. */
  codeCache: boolean;
  /** WEFT_RUNTIME_EARLY_WAKE_MS: timers up to this long end when a message arrives (0 turns it off). */
  earlyWakeMs: number;
  /**
   * False under WEFT_UNSAFE_NO_JS_GUARD=1: the JavaScript filesystem guard's checks are off, so tests
   * can show the kernel layer holding every escape on its own. Test-only: never set it for real use.
   */
  jsGuard: boolean;
  /** WEFT_KV_MAX_MB: each app's key-value store quota, in bytes. */
  kvQuotaBytes: number;
  /** WEFT_SCHEDULE_MIN_INTERVAL_S: the shortest gap allowed between a schedule's runs. */
  scheduleMinIntervalS: number;
}

export const DEFAULT_EARLY_WAKE_MS = 50;
export const KV_DEFAULT_MAX_MB = 16;
const MIB = 1024 * 1024;

export function readRuntimeSettings(env: Env): RuntimeSettings {
  const toError = (message: string): Error => new LoadError(message);
  return {
    ceilings: readCeilings(env, toError),
    codeCache: switchSetting(env, 'WEFT_RUNTIME_CODE_CACHE', true, { on: '1', off: '0' }, toError),
    earlyWakeMs: integerSetting(env, 'WEFT_RUNTIME_EARLY_WAKE_MS', DEFAULT_EARLY_WAKE_MS, 0, 60_000, toError),
    jsGuard: !switchSetting(env, 'WEFT_UNSAFE_NO_JS_GUARD', false, { on: '1', off: '0' }, toError),
    scheduleMinIntervalS: minIntervalSeconds(env, toError),
    kvQuotaBytes: Math.floor(positiveSetting(env, 'WEFT_KV_MAX_MB', KV_DEFAULT_MAX_MB, 1024 * 1024, toError) * MIB),
  };
}
