// The direct backend: the runtime is a plain child process of appd (inside bubblewrap when the sandbox is on), taken from the app's warm runtime or the standby pool when one fits.
import type { Confiner } from '../sandbox/confiner.js';
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import type { StandbyPool } from './standby-pool.js';
import type { WarmPool } from './warm-pool.js';
import type { WarmRuntimes } from '../../protocol/messages.js';
import { launchArgv, type LaunchBackend, type LaunchSpec, type RuntimeProcess } from './types.js';

export class DirectBackend implements LaunchBackend {
  readonly name = 'direct' as const;
  readonly enforcesLimits = false;

  constructor(
    private readonly command: Command,
    private readonly pool: StandbyPool | null,
    private readonly confiner: Confiner,
    private readonly warm: WarmPool | null = null,
  ) {}

  /** The app's own warm runtime, else a generic standby, else a cold start; then the app is kept warm for its next launch. */
  launch(spec: LaunchSpec): RuntimeProcess {
    const proc = this.warm?.take(spec) ?? this.pool?.take(spec) ?? spawnRuntime(this.confiner.wrap([this.command.file, ...this.command.args, ...launchArgv(spec)], spec.profile), 'direct');
    this.warm?.keepWarm(spec, proc);
    return proc;
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.pool?.shutdown(), this.warm?.shutdown()]);
  }

  warmStatus(): WarmRuntimes | null {
    return this.warm?.status() ?? null;
  }
}
