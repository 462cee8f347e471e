// Test hook: WEFT_PACK_TEST_PAUSE_AT=<stage> makes an install stop at that stage so a test can kill it there deterministically.
import { setTimeout as sleep } from 'node:timers/promises';

/** The stages an install passes, in order. */
export const INSTALL_STAGES = ['staged', 'checked', 'precompiled', 'moved', 'committed'] as const;
export type InstallStage = (typeof INSTALL_STAGES)[number];

/**
 * Sleeps WEFT_PACK_TEST_PAUSE_MS (default 60 s) when WEFT_PACK_TEST_PAUSE_AT names this stage,
 * after announcing it on stderr so the test knows the moment has come.
 */
export async function pauseForTest(stage: InstallStage): Promise<void> {
  if (process.env.WEFT_PACK_TEST_PAUSE_AT !== stage) return;
  const ms = Number(process.env.WEFT_PACK_TEST_PAUSE_MS ?? 60_000);
  process.stderr.write(`weft-pack: test pause at ${stage} for ${ms} ms (pid ${process.pid})\n`);
  await sleep(ms);
}
