// Factor weft:app/fetch: real HTTP(S) requests, only to hosts a net:fetch:<host-pattern> grant allows (checked on every redirect).
import { isIP } from 'node:net';
import { hostAllowed } from '../../manifest/capabilities.js';
import { addressRefusal, AddressRefused, type Resolver } from '../both-threads/address-policy.js';
import { defineFactor, err, ok, type WitResult } from './factor.js';
import { readBodyCapped, sendOnce, type RawResponse } from './fetch-request.js';

export interface FetchConfig {
  /** Host patterns from net:fetch:<pattern> grants. */
  patterns: string[];
  maxResponseBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Tests only: the name resolver (dns.lookup otherwise). */
  resolve?: Resolver;
}

interface FetchResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Why `url` may not be fetched under `patterns`, or null when it may. */
export function fetchDenial(url: string, patterns: readonly string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a valid absolute URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http: and https: URLs can be fetched, not ${parsed.protocol}`;
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  if (!hostAllowed(patterns, parsed.hostname, port)) {
    return `${parsed.host} is not an allowed host (the manifest grants ${patterns.map((p) => `net:fetch:${p}`).join(', ')})`;
  }
  // An address in the URL is connected to as it is; a name is checked address by address at connect time (guardedLookup).
  const literal = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0) return addressRefusal(patterns, parsed.hostname, port, literal);
  return null;
}

export async function fetchAllowed(config: FetchConfig, url: string, method: string, headers: [string, string][], body: Uint8Array | undefined): Promise<FetchResponse> {
  let current = url;
  let currentMethod = method.toUpperCase();
  let currentBody = body;
  const signal = AbortSignal.timeout(config.timeoutMs);
  for (let hop = 0; ; hop++) {
    const denial = fetchDenial(current, config.patterns);
    if (denial) throw new Error(hop === 0 ? denial : `redirected to ${current}: ${denial}`);
    let response: RawResponse;
    try {
      response = await sendOnce(new URL(current), currentMethod, headers, currentBody, config.patterns, signal, config.resolve);
    } catch (cause) {
      const error = cause as Error;
      if (error instanceof AddressRefused) throw new Error(hop === 0 ? error.message : `redirected to ${current}: ${error.message}`);
      if (error.name === 'TimeoutError' || signal.aborted) throw new Error(`no response from ${new URL(current).host} within ${config.timeoutMs} ms`);
      throw new Error(`${currentMethod} ${current} failed: ${error.message}`);
    }
    if (REDIRECT_STATUSES.has(response.status) && response.location !== null) {
      response.message.resume();
      if (hop >= config.maxRedirects) throw new Error(`more than ${config.maxRedirects} redirects`);
      current = new URL(response.location, current).href;
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        currentBody = undefined;
      }
      continue;
    }
    return { status: response.status, contentType: response.contentType, body: await readBodyCapped(response, config.maxResponseBytes) };
  }
}

export const fetchFactor = defineFactor<FetchConfig>({
  name: 'fetch',
  grant(grants) {
    const patterns = grants.flatMap((g) => (g.kind === 'net-fetch' ? [g.host] : []));
    return patterns.length > 0 ? { patterns, maxResponseBytes: 16 * 1024 * 1024, timeoutMs: 30_000, maxRedirects: 5 } : null;
  },
  host: (config) => ({
    call(op, args) {
      if (op !== 'fetch') return Promise.reject(new Error(`fetch: unknown operation ${op}`));
      const [url, method, headers, body] = args as [string, string, [string, string][], Uint8Array | undefined];
      return fetchAllowed(config, url, method, headers, body);
    },
  }),
  guest: (config, context) => ({
    'weft:app/fetch': {
      fetch(url: string, method: string, headers: [string, string][], body: Uint8Array | undefined): WitResult<FetchResponse> {
        // Refused here, before any message leaves the wasm thread: a denied host sees no request.
        const denial = fetchDenial(url, config.patterns);
        if (denial) return err(denial);
        const reply = context.call('fetch', 'fetch', [url, method, headers, body]);
        return reply.ok ? ok(reply.value as FetchResponse) : err(reply.error);
      },
    },
  }),
});
