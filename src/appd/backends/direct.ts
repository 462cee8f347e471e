// The direct backend: the runtime is a plain child process of appd, taken warm from the standby pool when one is ready.
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import type { StandbyPool } from './standby-pool.js';
import { runtimeArgv, type LaunchBackend, type LaunchSpec, type RuntimeProcess } from './types.js';

export class DirectBackend implements LaunchBackend {
  readonly name = 'direct' as const;
  readonly enforcesLimits = false;

  constructor(
    private readonly command: Command,
    private readonly pool: StandbyPool | null,
  ) {}

  launch(spec: LaunchSpec): RuntimeProcess {
    const argv = runtimeArgv(spec);
    return this.pool?.take(argv) ?? spawnRuntime(this.command.file, [...this.command.args, ...argv], 'direct');
  }

  async shutdown(): Promise<void> {
    await this.pool?.shutdown();
  }
}
