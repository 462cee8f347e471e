// net:fetch by address (src/runtime/both-threads/address-policy.ts, the fetch factor's host side): a name granted must not lead to loopback or private addresses unless granted literally; the address checked is the one connected to.
import { lookup, type LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAllowed, fetchDenial, type FetchConfig } from '../../src/runtime/factors/fetch.js';
import { addressRefusal, internalRange, type Resolver } from '../../src/runtime/both-threads/address-policy.js';

describe('internalRange', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.9.9.9', /loopback/],
    ['10.1.2.3', /private \(10/],
    ['172.16.0.1', /private \(172\.16/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private \(192\.168/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /this network/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fd00::1', /unique local/],
    ['fc12::1', /unique local/],
    ['fe80::1', /link-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['0:0:0:0:0:ffff:10.0.0.1', /private/],
    ['[::1]', /loopback/],
  ])('%s is internal', (address, what) => {
    expect(internalRange(address)).toMatch(what);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(internalRange(address)).toBeNull();
  });
});

describe('addressRefusal', () => {
  it('allows an internal address only for a literal grant of that address or of localhost', () => {
    expect(addressRefusal(['127.0.0.1'], '127.0.0.1', '80', '127.0.0.1')).toBeNull();
    expect(addressRefusal(['localhost'], 'localhost', '80', '127.0.0.1')).toBeNull();
    expect(addressRefusal(['localhost:8080'], 'localhost', '80', '127.0.0.1')).not.toBeNull();
    expect(addressRefusal(['*'], 'localhost', '80', '127.0.0.1')).toMatch(/localhost resolves to 127\.0\.0\.1, which is a loopback/);
    expect(addressRefusal(['*'], '127.0.0.1', '80', '127.0.0.1')).toMatch(/127\.0\.0\.1 is a loopback .*grant net:fetch:127\.0\.0\.1 literally/);
    expect(addressRefusal(['api.example.com'], 'api.example.com', '443', '10.0.0.5')).toMatch(/api\.example\.com resolves to 10\.0\.0\.5, which is a private/);
    expect(addressRefusal(['*.example.com'], 'a.example.com', '443', '::1')).toMatch(/\(net:fetch:\[::1\]\)/);
    expect(addressRefusal(['api.example.com'], 'api.example.com', '443', '93.184.216.34')).toBeNull();
  });

  it('the guest side refuses an address literal before any request leaves', () => {
    expect(fetchDenial('http://127.0.0.1:9/x', ['*'])).toMatch(/127\.0\.0\.1 is a loopback/);
    expect(fetchDenial('http://[::1]:9/x', ['*'])).toMatch(/is a loopback/);
    expect(fetchDenial('http://169.254.169.254/latest/meta-data', ['*'])).toMatch(/link-local/);
    expect(fetchDenial('http://127.0.0.1:9/x', ['127.0.0.1'])).toBeNull();
  });
});

describe('fetch through a name, checked at connect time', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(`${request.headers.host} ${request.url}`);
      if (request.url === '/to-name') response.writeHead(302, { location: `http://rebound.example:${port}/inner` }).end();
      else response.writeHead(200, { 'content-type': 'text/plain' }).end(`served ${request.url}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  /** A resolver that maps *.example names to 127.0.0.1 (as a rebinding DNS server would) and counts its calls. */
  const lookups: string[] = [];
  const rebinding: Resolver = (hostname, options, callback) => {
    lookups.push(hostname);
    if (hostname.endsWith('.example')) return callback(null, [{ address: '127.0.0.1', family: 4 } as LookupAddress]);
    return lookup(hostname, options, callback);
  };
  const config = (patterns: string[]): FetchConfig => ({ patterns, maxResponseBytes: 1 << 20, timeoutMs: 10_000, maxRedirects: 5, resolve: rebinding });

  it('a literal grant of localhost reaches the local server', async () => {
    const response = await fetchAllowed(config(['localhost']), `http://localhost:${port}/ok`, 'GET', [], undefined);
    expect(response.status).toBe(200);
    expect(Buffer.from(response.body).toString()).toBe('served /ok');
  });

  it('a name granted literally that resolves to 127.0.0.1 is refused with a clear error, and no request reaches the server', async () => {
    const before = seen.length;
    lookups.length = 0;
    await expect(fetchAllowed(config(['evil.example']), `http://evil.example:${port}/secret`, 'GET', [], undefined)).rejects.toThrow(
      /evil\.example resolves to 127\.0\.0\.1, which is a loopback \(127\.0\.0\.0\/8\) address; a grant by name or wildcard does not reach such addresses/,
    );
    expect(seen.length).toBe(before);
    // One resolution, made by the connection itself: there is no second lookup a rebinding DNS could answer differently.
    expect(lookups).toEqual(['evil.example']);
  });

  it('a wildcard grant does not reach localhost either', async () => {
    await expect(fetchAllowed(config(['*']), `http://localhost:${port}/x`, 'GET', [], undefined)).rejects.toThrow(/localhost resolves to 127\.0\.0\.1/);
  });

  it('a redirect from a literally granted address to a name resolving inside is refused', async () => {
    await expect(fetchAllowed(config(['127.0.0.1', 'rebound.example']), `http://127.0.0.1:${port}/to-name`, 'GET', [], undefined)).rejects.toThrow(
      /redirected to http:\/\/rebound\.example:\d+\/inner: rebound\.example resolves to 127\.0\.0\.1/,
    );
  });
});
