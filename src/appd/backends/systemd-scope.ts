// The systemd-scope backend: each runtime runs in its own transient user scope under weft-apps.slice, with cgroup limits from [limits].
import type { Limits } from '../../manifest/types.js';
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import { runtimeArgv, type LaunchBackend, type LaunchSpec, type RuntimeProcess } from './types.js';

export const APPS_SLICE = 'weft-apps.slice';

/**
 * `systemd-run` arguments for one runtime. With `--scope` systemd-run registers the scope and
 * then execs the command itself, so the pid appd sees is the runtime's, stdio pass straight
 * through, and signals reach it directly. `--collect` unloads the scope even after a failure;
 * `--quiet` keeps the "Running scope as unit" notice off the runtime's stderr.
 */
export function scopeArgs(limits: Pick<Limits, 'memoryMaxMb' | 'cpuPercent'>, spec: Pick<LaunchSpec, 'appId' | 'sessionId'>): string[] {
  return [
    '--user',
    '--scope',
    '--collect',
    '--quiet',
    `--slice=${APPS_SLICE}`,
    `--description=weft app ${spec.appId} (session ${spec.sessionId})`,
    '-p',
    `MemoryMax=${limits.memoryMaxMb}M`,
    '-p',
    `CPUQuota=${limits.cpuPercent}%`,
    '--',
  ];
}

export class SystemdScopeBackend implements LaunchBackend {
  readonly name = 'systemd-scope' as const;
  readonly enforcesLimits = true;

  constructor(
    private readonly command: Command,
    private readonly systemdRun = 'systemd-run',
  ) {}

  launch(spec: LaunchSpec): RuntimeProcess {
    const args = [...scopeArgs(spec.limits, spec), this.command.file, ...this.command.args, ...runtimeArgv(spec)];
    return spawnRuntime(this.systemdRun, args, 'systemd-scope');
  }

  async shutdown(): Promise<void> {}
}
