// Unit tests for the import plan (who provides each import), the fetch allow-list and the wasi:http gate.
import { describe, expect, it } from 'vitest';
import { parseCapability, type Grant } from '../../src/manifest/capabilities.js';
import { fetchDenial } from '../../src/runtime/factors/fetch.js';
import { planImports } from '../../src/runtime/main-thread/import-plan.js';
import { LoadError } from '../../src/runtime/main-thread/load-error.js';
import { authorityParts, gatedOutgoingHandler } from '../../src/runtime/wasm-thread/sandbox/http-gate.js';

const facts = { appId: 'org.test.app', sessionId: '1', ipcConnected: true, env: {}, kvQuotaBytes: 1 << 20 };
function grants(...capabilities: string[]): Grant[] {
  return capabilities.map((c) => {
    const parsed = parseCapability(c);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.grant;
  });
}

describe('planImports', () => {
  it("maps every WASI 0.2.x version onto the shim, and unversioned names only as component.js keys (versions judged from the binary)", () => {
    const plan = planImports(['wasi:cli/environment@0.2.0', 'wasi:io/poll@0.2.3', 'wasi:io/poll@0.2.12', 'wasi:cli/exit'], [], facts, 'key');
    expect(() => planImports(['wasi:cli/exit'], [], facts, 'component')).toThrow(/not an unversioned import/);
    expect(plan.wasi.map((w) => [w.key, w.iface])).toEqual([
      ['wasi:cli/environment@0.2.0', 'wasi:cli/environment'],
      ['wasi:io/poll@0.2.3', 'wasi:io/poll'],
      ['wasi:io/poll@0.2.12', 'wasi:io/poll'],
      ['wasi:cli/exit', 'wasi:cli/exit'],
    ]);
  });

  it('gives notify and ipc to everyone, and notes the notify import for READY', () => {
    const plan = planImports(['weft:app/notify@0.1.0', 'weft:app/ipc@0.1.2'], [], facts);
    expect(plan.factored.map((f) => f.factor)).toEqual(['notify', 'ipc']);
    expect(plan.importsNotify).toBe(true);
    expect(planImports(['wasi:cli/exit@0.2.0'], [], facts).importsNotify).toBe(false);
  });

  it('refuses ungranted factors, unknown interfaces and other versions, listing each', () => {
    const attempt = (): unknown => planImports(['weft:app/fetch@0.1.0', 'weft:app/clipboard@0.1.0', 'weft:app/bogus@0.1.0', 'wasi:cli/run@0.3.0', 'wasi:nn/graph@0.2.0', 'weft:app/ipc@0.2.0'], [], facts);
    expect(attempt).toThrow(LoadError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/weft:app\/fetch@0\.1\.0: not granted; the manifest needs "net:fetch:<host-pattern>" or "net:fetch:\*"/);
      expect(message).toMatch(/weft:app\/clipboard@0\.1\.0: not granted; .*"sys:clipboard:read" or "sys:clipboard:write"/);
      expect(message).toMatch(/"weft:app\/bogus@0\.1\.0": weft does not provide weft:app\/bogus/);
      expect(message).toMatch(/"wasi:cli\/run@0\.3\.0": weft does not provide wasi:cli\/run/);
      expect(message).toMatch(/"wasi:nn\/graph@0\.2\.0": weft does not provide/);
      expect(message).toMatch(/"weft:app\/ipc@0\.2\.0": weft provides weft:app\/ipc@0\.1\.x, not version 0\.2\.0/);
    }
  });

  it('grants fetch, notifications and clipboard from their capabilities', () => {
    const plan = planImports(['weft:app/fetch@0.1.0', 'weft:app/notifications@0.1.0', 'weft:app/clipboard@0.1.0'], grants('net:fetch:api.example.com', 'sys:notifications', 'sys:clipboard:read'), facts);
    expect(plan.factored.map((f) => f.factor)).toEqual(['fetch', 'notifications', 'clipboard']);
    expect(plan.factorConfigs.clipboard).toEqual({ read: true, write: false });
    expect((plan.factorConfigs.fetch as { patterns: string[] }).patterns).toEqual(['api.example.com']);
  });
});

describe('fetchDenial', () => {
  it('allows only granted hosts, http and https', () => {
    expect(fetchDenial('https://api.example.com/x', ['api.example.com'])).toBeNull();
    expect(fetchDenial('https://a.example.com/x', ['*.example.com'])).toBeNull();
    expect(fetchDenial('https://example.com.evil.org/', ['example.com'])).toMatch(/not an allowed host/);
    expect(fetchDenial('http://127.0.0.1:8080/', ['127.0.0.1:8080'])).toBeNull();
    expect(fetchDenial('http://127.0.0.1:8081/', ['127.0.0.1:8080'])).toMatch(/not an allowed host/);
    expect(fetchDenial('https://api.example.com/', ['api.example.com:443'])).toBeNull();
    expect(fetchDenial('ftp://api.example.com/', ['*'])).toMatch(/only http: and https:/);
    expect(fetchDenial('not a url', ['*'])).toMatch(/not a valid absolute URL/);
  });
});

describe('wasi:http outgoing-handler gate', () => {
  const request = (scheme: string, authority: string) => ({ scheme: () => ({ tag: scheme }), authority: () => authority });
  const shim = { types: {}, outgoingHandler: { handle: () => 'sent' } };

  it('denies everything without a net:fetch grant', () => {
    expect(() => gatedOutgoingHandler(shim, []).handle(request('HTTPS', 'api.example.com'), undefined)).toThrow();
    expect(() => gatedOutgoingHandler(null, ['*']).handle(request('HTTPS', 'api.example.com'), undefined)).toThrow();
  });

  it('passes allowed authorities through and denies the rest with HTTP-request-denied', () => {
    const gate = gatedOutgoingHandler(shim, ['api.example.com']);
    expect(gate.handle(request('HTTPS', 'api.example.com'), undefined)).toBe('sent');
    expect(gate.handle(request('HTTPS', 'api.example.com:443'), undefined)).toBe('sent');
    let denied: unknown;
    try {
      gate.handle(request('HTTPS', 'evil.example.org'), undefined);
    } catch (error) {
      denied = error;
    }
    expect(denied).toEqual({ tag: 'HTTP-request-denied' });
  });

  it('splits authorities, IPv6 included', () => {
    expect(authorityParts('[::1]:8080', false)).toEqual({ host: '[::1]', port: '8080' });
    expect(authorityParts('example.com', true)).toEqual({ host: 'example.com', port: '443' });
    expect(authorityParts('a:b:c', true)).toBeNull();
  });
});
