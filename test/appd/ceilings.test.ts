// The user's ceilings on [limits] (src/config/ceilings.ts): read from the environment with precise errors, effective = min(manifest, ceiling), applied by a real weft-appd.
import { describe, expect, it } from 'vitest';
import { connect, FAKE_RUNTIME, installFakeApp, makeEnv, requireBuilt, startDaemon, subscribe, waitFor } from './harness.js';
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
    expect(() => readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_SCHEDULE_MIN_INTERVAL_S: 'often' })).toThrow(/WEFT_SCHEDULE_MIN_INTERVAL_S="often" must be an integer from 1/);
    expect(readConfig({ XDG_RUNTIME_DIR: '/tmp', WEFT_MAX_CPU_PERCENT: '100' }).ceilings.cpuPercent).toBe(100);
  });
});

describe('weft-appd applies the ceilings', () => {
  it('a memory hog asking for 4096 MiB is held to WEFT_MAX_MEMORY_MB=160, and appd logs the lowering', async () => {
    requireBuilt();
    const t = makeEnv(FAKE_RUNTIME);
    installFakeApp(t.store, 'org.weft.test.memhog', '[limits]\nmemory_max_mb = 4096\n');
    const daemon = await startDaemon(t, [], { WEFT_MAX_MEMORY_MB: '160', WEFT_STANDBY: '0' });
    try {
      const client = await connect(t);
      const events = await subscribe(client);
      const ack = (await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.memhog', surface_id: 0 })) as { session_id: number };
      const stopped = await waitFor(
        () => events.find((e) => e.type === 'APP_STATE' && e.session_id === ack.session_id && e.state === 'stopped'),
        20_000,
        'the memory hog to be stopped',
      );
      expect(stopped).toMatchObject({ reason: 'memory-limit' });
      expect(String(stopped.message)).toContain('160 MiB');
      expect(daemon.logs.map((l) => l.msg).join('\n')).toMatch(/org\.weft\.test\.memhog asks for more than the user's ceilings; it runs with memory_max_mb = 160 \(asked 4096; WEFT_MAX_MEMORY_MB\)/);
      client.close();
    } finally {
      await daemon.stop();
      t.cleanup();
    }
  });
});
