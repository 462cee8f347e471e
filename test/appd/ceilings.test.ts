// Ceilings belong to the user: a manifest's [limits] above appd's WEFT_CEILING_* settings run at the ceiling, and weft-pack check warns about asks above the defaults.
import { afterAll, describe, expect, it } from 'vitest';
import { aboveDefaultCeilings, capLimits, DEFAULT_CEILINGS, readCeilings } from '../../src/manifest/ceilings.js';
import { parseManifest } from '../../src/manifest/parse.js';
import { connect, FAKE_RUNTIME, installFakeApp, makeEnv, startDaemon, subscribe, waitFor, type RunningDaemon, type TestEnv } from './harness.js';

describe('ceilings (pure)', () => {
  it('caps each limit at its ceiling and says which, naming the setting', () => {
    const { limits, capped } = capLimits({ memoryMaxMb: 4096, wasmMemoryMaxMb: 64, cpuPercent: 400, readyTimeoutMs: 1000 }, DEFAULT_CEILINGS);
    expect(limits).toEqual({ memoryMaxMb: 1024, wasmMemoryMaxMb: 64, cpuPercent: 200, readyTimeoutMs: 1000 });
    expect(capped).toEqual([
      "[limits] memory_max_mb = 4096 MiB is above the user's ceiling; running with 1024 MiB (WEFT_CEILING_MEMORY_MB)",
      "[limits] cpu_percent = 400 % is above the user's ceiling; running with 200 % (WEFT_CEILING_CPU_PERCENT)",
    ]);
  });
  it('reads the settings and refuses a bad value by name', () => {
    expect(readCeilings({ WEFT_CEILING_MEMORY_MB: '2048' })).toMatchObject({ ok: true, ceilings: { memoryMaxMb: 2048, cpuPercent: 200 } });
    expect(readCeilings({ WEFT_CEILING_CPU_PERCENT: 'lots' })).toEqual({ ok: false, message: 'WEFT_CEILING_CPU_PERCENT="lots" must be a positive integer (default 200)' });
  });
  it('check warns (not errs) about a manifest asking above the default ceilings', () => {
    const result = parseManifest('[package]\nid = "org.example.big"\nname = "Big"\nversion = "1.0.0"\n[runtime]\nmodule = "app.wasm"\n[limits]\nmemory_max_mb = 2048\n');
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.problems.map((p) => `${p.where}: ${p.message}`)).toContain(
      "limits.memory_max_mb: asks for 2048 MiB, above weft-appd's default ceiling of 1024 MiB; the app gets the ceiling unless its user raises WEFT_CEILING_MEMORY_MB",
    );
    expect(aboveDefaultCeilings({ ...DEFAULT_CEILINGS })).toEqual([]);
  });
});

describe('weft-appd applies the user ceilings', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;
  afterAll(async () => {
    await daemon?.stop();
    t?.cleanup();
  });

  it('a memory hog whose manifest asks for 400 MiB is killed at the 96 MiB ceiling', async () => {
    t = makeEnv(FAKE_RUNTIME, { WEFT_CEILING_MEMORY_MB: '96', WEFT_SANDBOX: 'js-only' });
    installFakeApp(t.store, 'org.weft.test.memhog', '[limits]\nmemory_max_mb = 400\n');
    daemon = await startDaemon(t);
    const client = await connect(t);
    const events = await subscribe(client);
    const ack = await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.test.memhog', surface_id: 0 });
    const sid = (ack as { session_id: number }).session_id;
    const stopped = await waitFor(() => events.find((e) => e.type === 'APP_STATE' && e.session_id === sid && e.state === 'stopped'), 20_000, 'memory kill');
    expect(stopped).toMatchObject({ reason: 'memory-limit' });
    expect(String(stopped.message)).toContain('96 MiB');
    expect(daemon.logs.some((l) => String(l.msg).includes('memory_max_mb = 400 MiB is above the user\'s ceiling; running with 96 MiB'))).toBe(true);
    client.close();
  });
});
