// net:fetch by address: a host granted by name may not lead to loopback, link-local or private addresses, unless the grant names such a host or address literally.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { hostAllowed } from '../../manifest/capabilities.js';

/** Address ranges a name may not lead to: [network, prefix, family, what it is]. Specific ranges first. */
const RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['127.0.0.0', 8, 'ipv4', 'loopback (127.0.0.0/8)'],
  ['0.0.0.0', 8, 'ipv4', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'ipv4', 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT (100.64.0.0/10)'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'ipv4', 'private (172.16.0.0/12)'],
  ['192.168.0.0', 16, 'ipv4', 'private (192.168.0.0/16)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'ipv4', 'reserved (240.0.0.0/4)'],
  ['::1', 128, 'ipv6', 'loopback (::1)'],
  ['::', 128, 'ipv6', 'unspecified (::)'],
  ['::', 96, 'ipv6', 'IPv4-compatible (::/96)'],
  ['fc00::', 7, 'ipv6', 'unique local (fc00::/7)'],
  ['fe80::', 10, 'ipv6', 'link-local (fe80::/10)'],
  ['ff00::', 8, 'ipv6', 'multicast (ff00::/8)'],
];

const LISTS = RANGES.map(([network, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, what };
});

/** `::ffff:a.b.c.d` and `::ffff:xxxx:yyyy` as the IPv4 address they carry; anything else unchanged. */
function unmapped(address: string): string {
  const lower = address.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/.exec(lower)?.[1];
  if (mapped === undefined || isIP(lower) !== 6) return lower;
  if (isIP(mapped) === 4) return mapped;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(mapped);
  if (!hex) return lower;
  const high = parseInt(hex[1] as string, 16);
  const low = parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** What kind of internal address `address` is (loopback, private, …), or null for a public one. */
export function internalRange(address: string): string | null {
  const plain = unmapped(address);
  const version = isIP(plain);
  if (version === 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find((range) => range.family === family && range.list.check(plain, family))?.what ?? null;
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** Does some grant name exactly this host (no wildcard), with a matching port? */
function grantedLiterally(patterns: readonly string[], host: string, port: string): boolean {
  return patterns.some((pattern) => pattern !== '*' && !pattern.startsWith('*.') && hostAllowed([pattern], host, port));
}

/**
 * Why connecting to `address` for `host` is refused, or null when it is allowed: a public address
 * always is; an internal one only when a grant names the host literally and that host is itself
 * an address (`net:fetch:127.0.0.1`) or a localhost name (`net:fetch:localhost`, loopback only).
 * A wildcard grant (`*`, `*.example.com`) or a grant of another name never reaches one.
 */
export function addressRefusal(patterns: readonly string[], host: string, port: string, address: string): string | null {
  const range = internalRange(address);
  if (range === null) return null;
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (grantedLiterally(patterns, host.toLowerCase(), port)) {
    if (isIP(name) !== 0 && unmapped(name) === unmapped(address)) return null;
    if (isLocalhostName(name) && range.startsWith('loopback')) return null;
  }
  const fix = isIP(name) !== 0 ? `grant net:fetch:${host} literally` : `grant the address itself (net:fetch:${address.includes(':') ? `[${address}]` : address}) or net:fetch:localhost literally`;
  return `${host} ${isIP(name) !== 0 ? 'is' : `resolves to ${address}, which is`} a ${range} address; a grant by name or wildcard does not reach such addresses (${fix} to allow it)`;
}

/** Thrown through the lookup callback when every address of a name is refused; the message says which and why. */
export class AddressRefused extends Error {
  readonly code = 'EWEFTADDRESS';
  override name = 'AddressRefused';
}

export type Resolver = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for one request to `host:port`: it resolves the name and hands the connection only
 * the addresses addressRefusal allows, so the address checked is the address connected to.
 */
export function guardedLookup(patterns: readonly string[], port: string, resolve: Resolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refusals = addresses.map((a) => addressRefusal(patterns, hostname, port, a.address));
      const allowed = addresses.filter((_, i) => refusals[i] === null);
      if (allowed.length === 0) return callback(new AddressRefused(refusals.find((r) => r !== null) ?? `${hostname} resolves to no address`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      const first = allowed[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
