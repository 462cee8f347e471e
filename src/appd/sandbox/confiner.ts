// Wraps a runtime command in the kernel sandbox chosen at start, or leaves it bare when the sandbox is off.
import { bwrapArgs } from './bwrap-args.js';
import type { HostLayout } from './host-layout.js';
import type { SandboxStatus } from './mechanism.js';
import type { ConfinementProfile } from './profile.js';

export interface WrappedCommand {
  file: string;
  args: string[];
  /** Runs inside bubblewrap: its pid arrives on the info fd, and a 128+n exit status means signal n. */
  confined: boolean;
}

export class Confiner {
  constructor(
    readonly status: SandboxStatus,
    private readonly layout: HostLayout | null,
  ) {}

  /** `env` sets variables inside the sandbox on top of the ones passed through (a standby's stage). */
  wrap(command: readonly string[], profile: ConfinementProfile, env: readonly [string, string][] = []): WrappedCommand {
    const [file, ...args] = command as [string, ...string[]];
    if (this.status.kind !== 'bwrap' || this.layout === null) return { file, args, confined: false };
    return {
      file: this.status.bwrap,
      args: bwrapArgs({ ...this.layout, env: [...this.layout.env, ...env] }, profile, command, { disableUserns: this.status.disableUserns }),
      confined: true,
    };
  }

  /** Why a launch with these grants is refused in the current mode, or null. */
  refusal(appId: string, grants: readonly { kind: string; capability: string }[]): string | null {
    if (this.status.kind === 'bwrap' || this.status.accepted) return null;
    const risky = grants.filter((g) => g.kind === 'fs' || g.kind === 'net-fetch').map((g) => g.capability);
    if (risky.length === 0) return null;
    return `cannot launch ${appId}: it is granted ${risky.join(', ')}, and the kernel sandbox is off (${this.status.reason}); install bubblewrap (apt-get install bubblewrap) and restart weft-appd, or set WEFT_SANDBOX=js-only to accept the JavaScript guard alone`;
  }
}
