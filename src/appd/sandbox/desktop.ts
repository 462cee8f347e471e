// The desktop sockets a confined runtime may reach, from its grants: the session bus for sys:notifications (notify-send), the Wayland socket for sys:clipboard:* (wl-copy, wl-paste).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Env } from '../../config/paths.js';

export interface DesktopAccess {
  /** Host unix sockets bound read-only at their own paths (connecting needs no write access to the mount). */
  sockets: string[];
  /** Variables that name them inside. */
  env: [string, string][];
}

/** `unix:path=/run/user/1000/bus[,guid=…]` → the path; other transports (abstract sockets live in the host's network namespace) are not reachable from a sandbox. */
function busPath(env: Env): string | null {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (address) return /^unix:path=([^,;]+)/.exec(address)?.[1] ?? null;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'bus') : null;
}

function waylandPath(env: Env): string | null {
  const display = env.WAYLAND_DISPLAY || 'wayland-0';
  if (isAbsolute(display)) return display;
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, display) : null;
}

/**
 * Only what the grants name, and only sockets that exist now (bwrap refuses a missing bind
 * source; a desktop started later is seen at the next launch). Without these the helpers run
 * but cannot reach the desktop, and the factor reports the helper's failure to the app.
 */
export function desktopAccess(grants: readonly { kind: string }[], env: Env, exists: (path: string) => boolean = existsSync): DesktopAccess {
  const access: DesktopAccess = { sockets: [], env: [] };
  if (grants.some((g) => g.kind === 'notifications')) {
    const bus = busPath(env);
    if (bus && exists(bus)) {
      access.sockets.push(bus);
      access.env.push(['DBUS_SESSION_BUS_ADDRESS', `unix:path=${bus}`]);
    }
  }
  if (grants.some((g) => g.kind === 'clipboard')) {
    const wayland = waylandPath(env);
    if (wayland && exists(wayland)) {
      access.sockets.push(wayland);
      access.env.push(['WAYLAND_DISPLAY', env.WAYLAND_DISPLAY || 'wayland-0']);
    }
  }
  return access;
}
