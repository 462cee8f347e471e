// Factor weft:app/fetch: real HTTP(S) requests, only to hosts a net:fetch:<host-pattern> grant allows and only to the addresses it allows (checked on every redirect).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostAllowed } from '../../manifest/capabilities.js';
import { addressDenial } from '../sandbox/address-gate.js';
import { defineFactor, err, ok, type WitResult } from './factor.js';

interface FetchConfig {
  /** Host patterns from net:fetch:<pattern> grants. */
  patterns: string[];
  maxResponseBytes: number;
  timeoutMs: number;
  maxRedirects: number;
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
  return null;
}

/** A response as the factor needs it: status, headers, and the body as a stream. */
type Reply = IncomingMessage;

/**
 * dns.lookup, then every resolved address judged before anything connects: Node connects to the
 * address this returns, so the address checked is the address used (no second resolution to
 * rebind). A name resolving to any non-public address is refused unless a grant names it exactly.
 */
function guardedLookup(patterns: readonly string[], host: string, port: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      for (const entry of list) {
        const denial = addressDenial(patterns, host, port, entry.address);
        if (denial) return callback(Object.assign(new Error(denial), { code: 'EWEFTDENIED' }), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** The app's header list as http.request takes it (a repeated name becomes a list). */
function headerObject(headers: readonly [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/** One request, no redirects followed: connected only to an address the grants allow. */
function sendOnce(config: FetchConfig, url: URL, method: string, headers: [string, string][], body: Uint8Array | undefined, signal: AbortSignal): Promise<Reply> {
  const https = url.protocol === 'https:';
  const port = url.port || (https ? '443' : '80');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const denial = addressDenial(config.patterns, host, port, host);
    if (denial) return Promise.reject(new Error(denial));
  }
  return new Promise((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(url, {
      method,
      headers: headerObject(headers),
      signal,
      lookup: guardedLookup(config.patterns, host, port),
      // A fresh connection per request: a pooled socket was checked for another host.
      agent: false,
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

async function readCapped(reply: Reply, limit: number): Promise<Uint8Array> {
  const declared = Number(reply.headers['content-length'] ?? '0');
  if (declared > limit) {
    reply.destroy();
    throw new Error(`the response body is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of reply as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      reply.destroy();
      throw new Error(`the response body is over the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function fetchAllowed(config: FetchConfig, url: string, method: string, headers: [string, string][], body: Uint8Array | undefined): Promise<FetchResponse> {
  let current = url;
  let currentMethod = method.toUpperCase();
  let currentBody = body;
  const signal = AbortSignal.timeout(config.timeoutMs);
  for (let hop = 0; ; hop++) {
    const denial = fetchDenial(current, config.patterns);
    if (denial) throw new Error(hop === 0 ? denial : `redirected to ${current}: ${denial}`);
    let reply: Reply;
    try {
      reply = await sendOnce(config, new URL(current), currentMethod, headers, currentBody, signal);
    } catch (cause) {
      const error = cause as NodeJS.ErrnoException;
      if (signal.aborted) throw new Error(`no response from ${new URL(current).host} within ${config.timeoutMs} ms`);
      if (error.code === 'EWEFTDENIED' || !error.code) throw new Error(hop === 0 ? error.message : `redirected to ${current}: ${error.message}`);
      throw new Error(`${currentMethod} ${current} failed: ${error.message}`);
    }
    const status = reply.statusCode ?? 0;
    const location = reply.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      reply.destroy();
      if (hop >= config.maxRedirects) throw new Error(`more than ${config.maxRedirects} redirects`);
      current = new URL(location, current).href;
      if (status === 303 || ((status === 301 || status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        currentBody = undefined;
      }
      continue;
    }
    const contentType = reply.headers['content-type'] ?? '';
    return { status, contentType, body: await readCapped(reply, config.maxResponseBytes) };
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
