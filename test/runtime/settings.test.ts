// weft-runtime's own settings (src/runtime/main-thread/settings.ts): a bad value refuses the launch naming the variable, what it must be and its default; a good one is used.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/protocol/runtime-exit.js';
import { homeForSuite, installFixture, runRuntime } from './helpers/harness.js';

const home = homeForSuite();

describe('runtime settings', () => {
  it.each([
    ['WEFT_RUNTIME_EARLY_WAKE_MS', 'soon', 'WEFT_RUNTIME_EARLY_WAKE_MS="soon" must be an integer from 0 to 60000 (default 50)'],
    ['WEFT_RUNTIME_CODE_CACHE', 'no', 'WEFT_RUNTIME_CODE_CACHE="no" must be "1" or "0" (default "1")'],
    ['WEFT_UNSAFE_NO_JS_GUARD', 'yes', 'WEFT_UNSAFE_NO_JS_GUARD="yes" must be "1" or "0" (default "0")'],
    ['WEFT_KV_MAX_MB', '-1', 'WEFT_KV_MAX_MB="-1" must be a number above 0 and at most 1048576 (default 16)'],
    ['WEFT_SCHEDULE_MIN_INTERVAL_S', '0.5', 'WEFT_SCHEDULE_MIN_INTERVAL_S="0.5" must be an integer from 1 to 31622400 (default 300)'],
    ['WEFT_MAX_WASM_MEMORY_MB', '0', 'WEFT_MAX_WASM_MEMORY_MB="0" must be an integer from 1 to 4096 (default 2048)'],
  ])('%s=%s refuses the launch with a precise message', async (name, value, message) => {
    const id = installFixture(home, 'hello');
    const result = await runRuntime(home, [id, '1'], { env: { [name]: value } });
    expect(result.code).toBe(EXIT.LOAD_FAILED);
    expect(result.stderr).toContain(message);
    expect(result.readyMs).toBeNull();
  });

  it('runs with good values', async () => {
    const id = installFixture(home, 'hello');
    const result = await runRuntime(home, [id, '1'], { env: { WEFT_RUNTIME_EARLY_WAKE_MS: '0', WEFT_RUNTIME_CODE_CACHE: '0', WEFT_KV_MAX_MB: '0.5' } });
    expect(result.code).toBe(0);
    expect(result.readyMs).not.toBeNull();
  });
});
