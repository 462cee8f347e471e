// One HTTP(S) request for weft:app/fetch on the main thread, through node:http(s) with the guarded lookup, so the address checked is the one connected to.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { AddressRefused, guardedLookup, type Resolver } from '../both-threads/address-policy.js';

export interface RawResponse {
  status: number;
  contentType: string;
  location: string | null;
  message: IncomingMessage;
}

/** Headers as node:http takes them; repeated names are joined as HTTP allows. */
function headerObject(headers: readonly [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

/** Sends one request (no redirect following) and resolves with the response head; the body is read by the caller. */
export function sendOnce(
  url: URL,
  method: string,
  headers: readonly [string, string][],
  body: Uint8Array | undefined,
  patterns: readonly string[],
  signal: AbortSignal,
  resolve?: Resolver,
): Promise<RawResponse> {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const request = send(url, {
      method,
      headers: headerObject(headers),
      signal,
      // A fresh connection per request: a pooled socket would skip the lookup and its check.
      agent: false,
      lookup: isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? guardedLookup(patterns, port, resolve) : undefined,
    });
    request.once('response', (message) => {
      done({ status: message.statusCode ?? 0, contentType: String(message.headers['content-type'] ?? ''), location: message.headers.location ?? null, message });
    });
    request.once('error', (error) => {
      // Node wraps a lookup failure; keep the policy's own message.
      const cause = error instanceof AddressRefused ? error : (error as Error & { cause?: unknown }).cause;
      fail(cause instanceof AddressRefused ? cause : error);
    });
    request.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

/** Reads a response body, failing past `limit` bytes. */
export async function readBodyCapped(response: RawResponse, limit: number): Promise<Uint8Array> {
  const declared = Number(response.message.headers['content-length'] ?? '0');
  if (declared > limit) {
    response.message.destroy();
    throw new Error(`the response body is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.message as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      response.message.destroy();
      throw new Error(`the response body is over the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
