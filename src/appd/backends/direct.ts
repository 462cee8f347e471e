// The direct backend: the runtime is a plain child process of appd (inside bubblewrap when the sandbox is on), taken warm from the standby pool when one fits.
import type { Confiner } from '../sandbox/confiner.js';
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import type { StandbyPool } from './standby-pool.js';
import { launchArgv, type LaunchBackend, type LaunchSpec, type RuntimeProcess } from './types.js';

export class DirectBackend implements LaunchBackend {
  readonly name = 'direct' as const;
  readonly enforcesLimits = false;

  constructor(
    private readonly command: Command,
    private readonly pool: StandbyPool | null,
    private readonly confiner: Confiner,
  ) {}

  launch(spec: LaunchSpec): RuntimeProcess {
    return this.pool?.take(spec) ?? spawnRuntime(this.confiner.wrap([this.command.file, ...this.command.args, ...launchArgv(spec)], spec.profile), 'direct');
  }

  async shutdown(): Promise<void> {
    await this.pool?.shutdown();
  }
}
