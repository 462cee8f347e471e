// Drives a counter session in the background (increment → {"count":N}) and records every round trip, to show a session survives.
import type { Watcher } from './watcher.js';

export class CounterProbe {
  rounds = 0;
  readonly failures: string[] = [];
  readonly latenciesMs: number[] = [];
  private expected: number;
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly watcher: Watcher,
    private readonly sessionId: number,
    startCount = 0,
  ) {
    this.expected = startCount;
  }

  /** One increment round trip; a wrong count or no answer is a failure. */
  async once(timeoutMs = 20_000): Promise<void> {
    const started = performance.now();
    try {
      const payload = await this.watcher.ipc(this.sessionId, 'increment', timeoutMs);
      this.latenciesMs.push(performance.now() - started);
      const parsed = JSON.parse(payload) as { count?: number };
      this.expected += 1;
      if (parsed.count !== this.expected) {
        this.failures.push(`expected {"count":${this.expected}}, got ${payload}`);
        if (typeof parsed.count === 'number') this.expected = parsed.count;
      }
      this.rounds += 1;
    } catch (error) {
      this.failures.push((error as Error).message);
    }
  }

  start(pauseMs: number): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.once();
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
