// The systemd-scope backend: each runtime runs in its own named transient user scope under weft-apps.slice, with cgroup limits from [limits].
import type { Limits } from '../../manifest/types.js';
import type { Command } from './runtime-command.js';
import { spawnRuntime } from './spawn.js';
import type { Confiner } from '../sandbox/confiner.js';
import { launchArgv, type LaunchBackend, type LaunchSpec, type RuntimeProcess, type ScopeInfo } from './types.js';

export const APPS_SLICE = 'weft-apps.slice';

/** The scope's MemoryMax is memory_max_mb plus the larger of these. */
const HEADROOM_FRACTION = 0.25;
const HEADROOM_MIN_MB = 32;

/**
 * The scope's MemoryMax, MiB: the manifest limit plus max(25 %, 32 MiB). appd kills a runtime
 * whose RSS passes memory_max_mb itself (reason `memory-limit`, whatever the backend), sampling
 * faster as a process nears its limit; the kernel's limit sits above that as a backstop, so a
 * fast-growing app is normally stopped by appd, with a reason, before the kernel's bare SIGKILL.
 */
export function scopeMemoryMaxMb(memoryMaxMb: number): number {
  return memoryMaxMb + Math.max(HEADROOM_MIN_MB, Math.ceil(memoryMaxMb * HEADROOM_FRACTION));
}

/** `weft-app-<appd pid>-<session>-<attempt>.scope`: unique per run, so a restarted appd never collides with a scope still winding down. */
export function scopeUnitName(spec: Pick<LaunchSpec, 'sessionId' | 'attempt'>, appdPid: number = process.pid): string {
  return `weft-app-${appdPid}-${spec.sessionId}-${spec.attempt}.scope`;
}

/**
 * `systemd-run` arguments for one runtime. With `--scope` systemd-run registers the scope and
 * then execs the command itself, so the pid appd sees is the runtime's, stdio pass straight
 * through, and signals reach it directly. `--collect` unloads the scope even after a failure;
 * `--quiet` keeps the "Running scope as unit" notice off the runtime's stderr.
 */
export function scopeArgs(limits: Pick<Limits, 'memoryMaxMb' | 'cpuPercent'>, spec: Pick<LaunchSpec, 'appId' | 'sessionId' | 'attempt'>, appdPid: number = process.pid): string[] {
  return [
    '--user',
    '--scope',
    '--collect',
    '--quiet',
    `--unit=${scopeUnitName(spec, appdPid)}`,
    `--slice=${APPS_SLICE}`,
    `--description=weft app ${spec.appId} (session ${spec.sessionId})`,
    '-p',
    `MemoryMax=${scopeMemoryMaxMb(limits.memoryMaxMb)}M`,
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
    private readonly confiner: Confiner,
    private readonly systemdRun = 'systemd-run',
  ) {}

  /** systemd-run execs bubblewrap inside the scope, which runs the runtime: the cgroup holds both. */
  launch(spec: LaunchSpec): RuntimeProcess {
    const inner = this.confiner.wrap([this.command.file, ...this.command.args, ...launchArgv(spec)], spec.profile);
    const args = [...scopeArgs(spec.limits, spec), inner.file, ...inner.args];
    const scope: ScopeInfo = { unit: scopeUnitName(spec), memoryMaxMb: scopeMemoryMaxMb(spec.limits.memoryMaxMb) };
    return { ...spawnRuntime({ file: this.systemdRun, args, confined: inner.confined }, 'systemd-scope'), scope };
  }

  async shutdown(): Promise<void> {}

  /** Scopes keep no warm runtimes: each runtime starts in its own new scope. */
  warmStatus(): null {
    return null;
  }
}
