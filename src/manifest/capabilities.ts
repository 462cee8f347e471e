// Capability strings: WEFT's known set, parsed into grants the runtime factors consume.

export type FsScope = 'app-data' | 'xdg-documents';

export type Grant =
  | { kind: 'fs'; scope: FsScope; writable: boolean; capability: string }
  | { kind: 'net-fetch'; host: string; capability: string }
  | { kind: 'gpu'; use: 'compute' | 'render'; capability: string }
  | { kind: 'notifications'; capability: string }
  | { kind: 'clipboard'; access: 'read' | 'write'; capability: string }
  | { kind: 'kv'; capability: string }
  | { kind: 'config'; capability: string }
  | { kind: 'schedule'; capability: string };

const FIXED: Record<string, Grant> = {
  'fs:rw:app-data': { kind: 'fs', scope: 'app-data', writable: true, capability: 'fs:rw:app-data' },
  'fs:read:app-data': { kind: 'fs', scope: 'app-data', writable: false, capability: 'fs:read:app-data' },
  'fs:rw:xdg-documents': { kind: 'fs', scope: 'xdg-documents', writable: true, capability: 'fs:rw:xdg-documents' },
  'fs:read:xdg-documents': { kind: 'fs', scope: 'xdg-documents', writable: false, capability: 'fs:read:xdg-documents' },
  'hw:gpu:compute': { kind: 'gpu', use: 'compute', capability: 'hw:gpu:compute' },
  'hw:gpu:render': { kind: 'gpu', use: 'render', capability: 'hw:gpu:render' },
  'sys:notifications': { kind: 'notifications', capability: 'sys:notifications' },
  'sys:clipboard:read': { kind: 'clipboard', access: 'read', capability: 'sys:clipboard:read' },
  'sys:clipboard:write': { kind: 'clipboard', access: 'write', capability: 'sys:clipboard:write' },
  'storage:kv': { kind: 'kv', capability: 'storage:kv' },
  'config:read': { kind: 'config', capability: 'config:read' },
  'schedule:manage': { kind: 'schedule', capability: 'schedule:manage' },
};

export const KNOWN_CAPABILITIES: readonly string[] = [...Object.keys(FIXED), 'net:fetch:*', 'net:fetch:<host-pattern>'];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Why a `net:fetch:` host pattern is malformed, or null. Accepted: `*`, a hostname
 * (`api.example.com`), a wildcard for subdomains (`*.example.com`), an IPv4 address, or a
 * bracketed IPv6 address; each optionally with `:port`.
 */
export function hostPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'the host after "net:fetch:" is empty';
  if (pattern === '*') return null;
  if (pattern.startsWith('[')) {
    const close = pattern.indexOf(']');
    if (close < 0) return `"${pattern}": an IPv6 address needs a closing "]"`;
    const host = pattern.slice(0, close + 1);
    const rest = pattern.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return `"${pattern}": expected ":<port>" after the IPv6 address`;
    if (rest !== '' && Number(rest.slice(1)) > 65535) return `"${pattern}": port ${rest.slice(1)} is above 65535`;
    return /^\[[0-9a-f:.]+\]$/i.test(host) ? null : `"${host}" is not an IPv6 address`;
  }
  const portMatch = /^([^:]*)(?::(\d{1,5}))?$/.exec(pattern);
  if (!portMatch) return `"${pattern}": expected <host> or <host>:<port>`;
  const host = portMatch[1] as string;
  if (portMatch[2] !== undefined) {
    if (Number(portMatch[2]) > 65535 || Number(portMatch[2]) === 0) return `"${pattern}": port ${portMatch[2]} is out of range 1-65535`;
  }
  if (host !== host.toLowerCase()) return `"${pattern}": write host names in lowercase`;
  if (IPV4.test(host)) return null;
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name.includes('*')) return `"${pattern}": "*" is allowed only alone or as a leading "*." label`;
  const labels = name.split('.');
  if (name.length > 253 || labels.some((label) => !LABEL.test(label))) {
    return `"${pattern}" is not a valid host name (labels of a-z, 0-9 and "-", separated by dots)`;
  }
  return null;
}

export type ParsedCapability = { ok: true; grant: Grant } | { ok: false; message: string; hint: string };

export function parseCapability(capability: string): ParsedCapability {
  const fixed = FIXED[capability];
  if (fixed) return { ok: true, grant: fixed };
  if (capability.startsWith('net:fetch:')) {
    const host = capability.slice('net:fetch:'.length);
    const problem = hostPatternProblem(host);
    if (problem) return { ok: false, message: problem, hint: 'use net:fetch:* or net:fetch:<host>, e.g. net:fetch:api.example.com or net:fetch:*.example.com' };
    return { ok: true, grant: { kind: 'net-fetch', host, capability } };
  }
  return {
    ok: false,
    message: `unknown capability "${capability}"`,
    hint: `known capabilities: ${KNOWN_CAPABILITIES.join(', ')}`,
  };
}

/** Does a granted host pattern allow this URL host (and port)? Hosts compare case-insensitively. */
export function hostAllowed(patterns: readonly string[], hostname: string, port: string): boolean {
  const host = hostname.toLowerCase();
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    let patternHost = pattern;
    let patternPort: string | null = null;
    const bracket = pattern.startsWith('[') ? pattern.indexOf(']') : -1;
    const colon = bracket >= 0 ? pattern.indexOf(':', bracket) : pattern.lastIndexOf(':');
    if (colon > 0) {
      patternHost = pattern.slice(0, colon);
      patternPort = pattern.slice(colon + 1);
    }
    if (patternPort !== null && patternPort !== port) return false;
    if (patternHost.startsWith('*.')) return host.endsWith(patternHost.slice(1)) && host.length > patternHost.length - 1;
    return host === patternHost;
  });
}
