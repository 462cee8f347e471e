// The user's ceilings on [limits] (src/config/ceilings.ts): read from the environment with precise errors, and effective = min(manifest, ceiling).
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/appd/config.js';
import { DEFAULT_CEILINGS, effectiveLimits, limitsOverCeilings, readCeilings } from '../../src/config/ceilings.js';
import { DEFAULT_LIMITS } from '../../src/manifest/types.js';

describe('ceilings', () => {
  it('default to values at or above every manifest default, so an ordinary app never meets them', () => {
    expect(readCeilings({})).toEqual(DEFAULT_CEILINGS);
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof typeof DEFAULT_LIMITS)[]) expect(DEFAULT_CEILINGS[key]).toBeGreaterThanOrEqual(DEFAULT_LIMITS[key]);
    expect(effectiveLimits(DEFAULT_LIMITS, DEFAULT_CEILINGS)).toEqual(DEFAULT_LIMITS);
  });

  it('a manifest may lower them, never exceed them', () => {
    const ceilings = readCeilings({ WEFT_MAX_MEMORY_MB: '256', WEFT_MAX_CPU_PERCENT: '50', WEFT_MAX_DATA_MB: '10' });
    const asked = { ...DEFAULT_LIMITS, memoryMaxMb: 1024, cpuPercent: 25, dataMaxMb: 100 };
    expect(effectiveLimits(asked, ceilings)).toEqual({ ...asked, memoryMaxMb: 256, cpuPercent: 25, dataMaxMb: 10 });
    expect(limitsOverCeilings(asked, ceilings)).toEqual([
      { manifestKey: 'memory_max_mb', asked: 1024, ceiling: 256, env: 'WEFT_MAX_MEMORY_MB' },
      { manifestKey: 'data_max_mb', asked: 100, ceiling: 10, env: 'WEFT_MAX_DATA_MB' },
    ]);
  });

  it('a bad value is an appd configuration error naming the variable and its range', () => {
    expect(() => readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_MAX_MEMORY_MB: 'lots' })).toThrow(ConfigError);
    expect(() => readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_MAX_MEMORY_MB: 'lots' })).toThrow(/WEFT_MAX_MEMORY_MB="lots" must be an integer from 16 to 65536 \(default 2048\)/);
    expect(() => readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_MAX_DATA_MB: '0' })).toThrow(/WEFT_MAX_DATA_MB="0" must be an integer from 1/);
    expect(readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_MAX_CPU_PERCENT: '100' }).ceilings.cpuPercent).toBe(100);
  });
});
