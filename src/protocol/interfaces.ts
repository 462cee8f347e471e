// The one table of the component interfaces weft provides: name, accepted version series, provider, and the capability each needs.
//
// `weft-pack check` (src/pack/import-policy.ts), the runtime's import plan (src/runtime/main-thread/import-plan.ts)
// and the factor registry (src/runtime/factors/index.ts) all read this table and `judgeInterface`,
// so a package that passes check is never refused at launch for an import check could see.

/** The capability families an import can need (to link at all) or use (to do anything). */
export type CapabilityUse = 'fs' | 'net-fetch' | 'notifications' | 'clipboard' | 'kv' | 'config' | 'schedule';

export interface InterfaceEntry {
  /** Unversioned name: `wasi:cli/environment`, `weft:app/ipc`. */
  iface: string;
  /** major.minor accepted: any patch of it, e.g. `0.2` takes 0.2.0 … 0.2.12. */
  series: string;
  /** `wasi` (the sandboxed WASI implementation) or the name of the factor that provides it. */
  provider: string;
  /** The manifest must grant this for the import to link; null when every app may import it. */
  needs: CapabilityUse | null;
  /** What the import does with a grant when there is one (an unused grant draws a warning). */
  uses: CapabilityUse | null;
}

const wasi = (iface: string, needs: CapabilityUse | null = null, uses: CapabilityUse | null = needs): InterfaceEntry => ({ iface, series: '0.2', provider: 'wasi', needs, uses });
/** weft:app interfaces: WEFT's 0.1 set (wit/weft-app.wit) and weft's 0.2 additions (wit/weft-app-0.2.wit). */
const weftApp = (name: string, needs: CapabilityUse | null, series = '0.1'): InterfaceEntry => ({ iface: `weft:app/${name}`, series, provider: name, needs, uses: needs });

export const INTERFACES: readonly InterfaceEntry[] = [
  wasi('wasi:cli/environment'),
  wasi('wasi:cli/exit'),
  wasi('wasi:cli/stdin'),
  wasi('wasi:cli/stdout'),
  wasi('wasi:cli/stderr'),
  wasi('wasi:cli/terminal-input'),
  wasi('wasi:cli/terminal-output'),
  wasi('wasi:cli/terminal-stdin'),
  wasi('wasi:cli/terminal-stdout'),
  wasi('wasi:cli/terminal-stderr'),
  wasi('wasi:clocks/monotonic-clock'),
  wasi('wasi:clocks/wall-clock'),
  // Without an fs grant the filesystem is empty (no preopens): importing it is harmless.
  wasi('wasi:filesystem/preopens', null, 'fs'),
  wasi('wasi:filesystem/types', null, 'fs'),
  wasi('wasi:io/error'),
  wasi('wasi:io/poll'),
  wasi('wasi:io/streams'),
  wasi('wasi:random/random'),
  wasi('wasi:random/insecure'),
  wasi('wasi:random/insecure-seed'),
  // Sockets link for every app and refuse every address at run time (no network capability opens them).
  wasi('wasi:sockets/instance-network'),
  wasi('wasi:sockets/ip-name-lookup'),
  wasi('wasi:sockets/network'),
  wasi('wasi:sockets/tcp'),
  wasi('wasi:sockets/tcp-create-socket'),
  wasi('wasi:sockets/udp'),
  wasi('wasi:sockets/udp-create-socket'),
  wasi('wasi:http/types', 'net-fetch'),
  wasi('wasi:http/outgoing-handler', 'net-fetch'),
  weftApp('notify', null),
  weftApp('ipc', null),
  weftApp('fetch', 'net-fetch'),
  weftApp('notifications', 'notifications'),
  weftApp('clipboard', 'clipboard'),
  weftApp('kv', 'kv', '0.2'),
  weftApp('config', 'config', '0.2'),
  // Logs are every app's (docs/architecture/capabilities.md says why): no capability.
  weftApp('log', null, '0.2'),
  weftApp('schedule', 'schedule', '0.2'),
];

/** How to grant each capability family, for error messages. */
export const CAPABILITY_HINTS: Readonly<Record<CapabilityUse, { what: string; add: string; capabilities: readonly string[] }>> = {
  'net-fetch': { what: 'a net:fetch capability', add: 'add "net:fetch:<host>" (or "net:fetch:*") to package.capabilities', capabilities: ['net:fetch:<host-pattern>', 'net:fetch:*'] },
  notifications: { what: 'the sys:notifications capability', add: 'add "sys:notifications" to package.capabilities', capabilities: ['sys:notifications'] },
  clipboard: { what: 'a sys:clipboard capability', add: 'add "sys:clipboard:read" and/or "sys:clipboard:write" to package.capabilities', capabilities: ['sys:clipboard:read', 'sys:clipboard:write'] },
  fs: { what: 'an fs capability', add: 'add an fs:* capability to package.capabilities', capabilities: ['fs:rw:app-data', 'fs:read:app-data', 'fs:rw:xdg-documents', 'fs:read:xdg-documents'] },
  kv: { what: 'the storage:kv capability', add: 'add "storage:kv" to package.capabilities', capabilities: ['storage:kv'] },
  config: { what: 'the config:read capability', add: 'add "config:read" to package.capabilities', capabilities: ['config:read'] },
  schedule: { what: 'the schedule:manage capability', add: 'add "schedule:manage" to package.capabilities', capabilities: ['schedule:manage'] },
};

/** The grant kind (manifest/capabilities.ts) that satisfies each capability family. */
export const GRANT_KIND: Readonly<Record<CapabilityUse, 'fs' | 'net-fetch' | 'notifications' | 'clipboard' | 'kv' | 'config' | 'schedule'>> = {
  fs: 'fs',
  'net-fetch': 'net-fetch',
  notifications: 'notifications',
  clipboard: 'clipboard',
  kv: 'kv',
  config: 'config',
  schedule: 'schedule',
};

const NAME = /^([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)(?:@(.+))?$/;
const RELEASE = /^(\d+)\.(\d+)\.(\d+)$/;

/**
 * Where an import name comes from: a component's own import section (`component`, versions
 * judged), or a key of the transpiled component.js (`key`), which jco writes without its version;
 * the runtime judges the versions from the component's binary first, and weft's preview1 adapter
 * around a core module imports unversioned WASI of the table's series.
 */
export type ImportSource = 'component' | 'key';

export type InterfaceVerdict = { ok: true; entry: InterfaceEntry; version: string } | { ok: false; message: string; hint: string };

function seriesText(namespace: string, pkg: string): string {
  const series = [...new Set(INTERFACES.filter((e) => e.iface.startsWith(`${namespace}:${pkg}/`)).map((e) => e.series))];
  return series.length > 0 ? series.map((s) => `${s}.x`).join(', ') : '';
}

/**
 * Judges one import by its full name (`wasi:cli/environment@0.2.3`). The rules, the same for
 * check and launch: the interface must be in the table; the version must be a release of its
 * series (an unversioned import, a pre-release or build metadata cannot be matched to what weft
 * implements and is refused).
 */
export function judgeInterface(name: string, from: ImportSource = 'component'): InterfaceVerdict {
  const match = NAME.exec(name);
  if (!match) return { ok: false, message: `"${name}" is not a WASI or weft:app interface name`, hint: 'weft provides WASI 0.2.x interfaces and weft:app/*@0.1.x' };
  const [, namespace, pkg, , version] = match as unknown as [string, string, string, string, string | undefined];
  const iface = name.slice(0, version === undefined ? name.length : name.indexOf('@'));
  const entry = INTERFACES.find((e) => e.iface === iface);
  if (!entry) {
    const family = seriesText(namespace, pkg);
    return {
      ok: false,
      message: `"${name}": weft does not provide ${iface}`,
      hint: family ? `weft provides these ${namespace}:${pkg} interfaces: ${INTERFACES.filter((e) => e.iface.startsWith(`${namespace}:${pkg}/`)).map((e) => e.iface).join(', ')}` : 'weft provides WASI 0.2.x interfaces and weft:app/*@0.1.x',
    };
  }
  if (version === undefined && from === 'key') return { ok: true, entry, version: `${entry.series}.0` };
  const release = version === undefined ? null : RELEASE.exec(version);
  if (!release || `${release[1]}.${release[2]}` !== entry.series) {
    const got = version === undefined ? 'an unversioned import' : !release ? `version ${version} (not a release)` : `version ${version}`;
    return { ok: false, message: `"${name}": weft provides ${iface}@${entry.series}.x, not ${got}`, hint: `build against ${iface}@${entry.series}.x` };
  }
  return { ok: true, entry, version: version as string };
}
