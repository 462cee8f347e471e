// net:fetch by address: which resolved addresses a request may connect to, so a granted name cannot lead to loopback or the LAN (DNS rebinding).
import { BlockList, isIP } from 'node:net';

/** Addresses that are not the public internet: loopback, private, link-local, CGNAT, unspecified, multicast, reserved. */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** An IPv4 address inside an IPv4-mapped or -compatible IPv6 one (`::ffff:127.0.0.1`), else the address itself. */
function unmapped(address: string): string {
  const match = /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? (match[1] as string) : address;
}

export function isPublicAddress(address: string): boolean {
  const plain = unmapped(address);
  const family = isIP(plain);
  if (family === 0) return false;
  return !NON_PUBLIC.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether a grant names `host` literally (no wildcard): `net:fetch:localhost`, `net:fetch:127.0.0.1:8080`,
 * `net:fetch:[::1]`. Only such a grant opens a non-public address; `*` and `*.example.com` never do.
 */
export function namedLiterally(patterns: readonly string[], host: string, port: string): boolean {
  const wanted = host.toLowerCase().replace(/^\[|\]$/g, '');
  return patterns.some((pattern) => {
    if (pattern.includes('*')) return false;
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(pattern);
    if (!match) return false;
    const name = (match[1] as string).replace(/^\[|\]$/g, '').toLowerCase();
    return name === wanted && (match[2] === undefined || match[2] === port);
  });
}

/** Why connecting to `address` for `host` is refused under `patterns`, or null when it may. */
export function addressDenial(patterns: readonly string[], host: string, port: string, address: string): string | null {
  if (isPublicAddress(address) || namedLiterally(patterns, host, port)) return null;
  const what = isIP(host) ? `${host} is` : `${host} resolves to ${address}, which is`;
  return `${what} not a public address (loopback, private or link-local); only a grant naming it exactly opens it, e.g. net:fetch:${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
