// wasi:http/outgoing-handler behind the manifest: with no net:fetch grant every request is denied; with one, each request's authority must be allowed.
import { isIP } from 'node:net';
import { hostAllowed } from '../../manifest/capabilities.js';
import { addressDenial } from './address-gate.js';
import type { ShimHttp } from '../wasi/shim.js';

/** The wasi:http error-code case for a request the host refuses to send. */
const DENIED = { tag: 'HTTP-request-denied' } as const;

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
      // An address literal must be public unless a grant names it exactly (a name is resolved by
      // preview2-shim's own worker, out of reach here: docs/architecture/sandbox.md says so).
      const literal = parts.host.replace(/^\[|\]$/g, '');
      if (isIP(literal) && addressDenial(patterns, literal, parts.port, literal) !== null) throw DENIED;
      return http.outgoingHandler.handle(request, options);
    },
  };
}
