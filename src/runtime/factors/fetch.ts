// Factor weft:app/fetch: real HTTP(S) requests, only to hosts a net:fetch:<host-pattern> grant allows (checked on every redirect).
import { hostAllowed } from '../../manifest/capabilities.js';
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

async function readCapped(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) throw new Error(`the response body is ${declared} bytes; the limit is ${limit}`);
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the response body is over the ${limit}-byte limit`);
    }
    chunks.push(value);
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
    let response: Response;
    try {
      response = await fetch(current, { method: currentMethod, headers, body: currentBody, redirect: 'manual', signal });
    } catch (cause) {
      const error = cause as Error & { cause?: Error };
      if (error.name === 'TimeoutError') throw new Error(`no response from ${new URL(current).host} within ${config.timeoutMs} ms`);
      throw new Error(`${currentMethod} ${current} failed: ${error.cause?.message ?? error.message}`);
    }
    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      await response.body?.cancel();
      if (hop >= config.maxRedirects) throw new Error(`more than ${config.maxRedirects} redirects`);
      current = new URL(location, current).href;
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && currentMethod === 'POST')) {
        currentMethod = 'GET';
        currentBody = undefined;
      }
      continue;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await readCapped(response, config.maxResponseBytes) };
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
