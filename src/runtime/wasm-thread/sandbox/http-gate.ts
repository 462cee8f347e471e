// wasi:http/outgoing-handler behind the manifest: with no net:fetch grant every request is denied; with one, each request's authority must be allowed.
import { isIP } from 'node:net';
import { hostAllowed } from '../../../manifest/capabilities.js';
import { addressRefusal } from '../../both-threads/address-policy.js';
import { HTTP_REQUEST_DENIED as DENIED } from '../shim-adapter/errors.js';
import type { ShimHttp } from '../shim-adapter/shim.js';

interface OutgoingRequest {
  scheme(): { tag: string; val?: string } | undefined;
  authority(): string | undefined;
}

/** Splits `host[:port]` (IPv6 in brackets) and fills in the scheme's default port. */
export function authorityParts(authority: string, https: boolean): { host: string; port: string } | null {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!match) return null;
  return { host: match[1] as string, port: match[2] ?? (https ? '443' : '80') };
}

/**
 * The part of the by-address rule this gate can apply before the shim sends the request: an
 * address in the authority, and localhost names (always loopback), need a literal grant. Other
 * names are resolved by the shim's I/O thread, out of reach of a check (see runtime.md).
 */
function internalWithoutLiteralGrant(patterns: readonly string[], host: string, port: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(name) !== 0) return addressRefusal(patterns, host, port, name) !== null;
  if (name === 'localhost' || name.endsWith('.localhost')) return addressRefusal(patterns, host, port, '127.0.0.1') !== null;
  return false;
}

export function gatedOutgoingHandler(http: ShimHttp | null, patterns: readonly string[]): { handle(request: unknown, options: unknown): unknown } {
  return {
    handle(request: unknown, options: unknown): unknown {
      if (!http || patterns.length === 0) throw DENIED;
      const outgoing = request as OutgoingRequest;
      const scheme = outgoing.scheme();
      const https = scheme?.tag !== 'HTTP';
      if (scheme && scheme.tag !== 'HTTP' && scheme.tag !== 'HTTPS') throw DENIED;
      const parts = authorityParts(outgoing.authority() ?? '', https);
      if (!parts || !hostAllowed(patterns, parts.host, parts.port)) throw DENIED;
      if (internalWithoutLiteralGrant(patterns, parts.host, parts.port)) throw DENIED;
      return http.outgoingHandler.handle(request, options);
    },
  };
}
