// Decides, from an upgrade request's headers alone, whether the handshake may proceed and as what kind of client.
import type { IncomingHttpHeaders } from 'node:http';
import type { Credential, Grant } from './credential.js';

/** Which of weft's own pages a browser connection comes from. */
export type Page = { kind: 'dashboard' } | { kind: 'app-ui'; sessionId: number };

export type Admission =
  /** No Origin: a local program (WEFT's shells and forwarder, scripts); trusted once its uid matches ours. */
  | { ok: true; client: 'local'; grant: Grant }
  /** A browser on one of weft's pages; `grant` is set when the credential came in a header, else AUTH must follow. */
  | { ok: true; client: 'browser'; page: Page; grant: Grant | null }
  | { ok: false; status: 400 | 401 | 403; reason: string };

const SESSION_HOST = /^s([1-9][0-9]{0,15})\.localhost$/;

/** The page a `Host`-style name (without port) belongs to, or null when it is none of weft's. */
function pageOfHostname(hostname: string): Page | null {
  if (hostname === '127.0.0.1' || hostname === 'localhost') return { kind: 'dashboard' };
  const match = SESSION_HOST.exec(hostname);
  return match ? { kind: 'app-ui', sessionId: Number(match[1]) } : null;
}

/** Splits `name:port`; null when the port is missing or not ours. */
function hostOnPort(value: string, port: number): string | null {
  const at = value.lastIndexOf(':');
  if (at <= 0 || value.slice(at + 1) !== String(port)) return null;
  return value.slice(0, at).toLowerCase();
}

/** The page a `Host` header names on our port, or null for any other host (DNS rebinding) or port. */
export function pageOfHost(host: string | undefined, port: number): Page | null {
  const name = typeof host === 'string' ? hostOnPort(host, port) : null;
  return name === null ? null : pageOfHostname(name);
}

/** The token from `Authorization: Bearer <token>` (clients that can set headers), never from the query string. */
function bearer(headers: IncomingHttpHeaders): string | null {
  const value = headers.authorization;
  if (typeof value !== 'string') return null;
  const match = /^Bearer ([!-~]{1,200})$/.exec(value.trim());
  return match ? (match[1] as string) : null;
}

/** Whether a credential's grant fits the page that presents it: the dashboard's for the dashboard, session N's for session N's UI. */
export function grantFitsPage(grant: Grant, page: Page): boolean {
  if (page.kind === 'dashboard') return grant.role === 'full';
  return grant.role === 'app-ui' && grant.sessionId === page.sessionId;
}

/**
 * Host must name the loopback address or a *.localhost name with our port: a page on an
 * attacker's name that re-resolves to 127.0.0.1 (DNS rebinding) still sends its own name. An
 * Origin, when present, must be one of weft's own pages on this port.
 */
export function admit(headers: IncomingHttpHeaders, url: string | undefined, port: number, credential: Credential): Admission {
  if (pageOfHost(headers.host, port) === null) {
    return { ok: false, status: 403, reason: `Host ${JSON.stringify(headers.host ?? '')} is not this endpoint; connect to 127.0.0.1:${port} or localhost:${port}` };
  }
  if (url !== undefined && /[?&](token|credential|auth)=/i.test(url)) {
    return { ok: false, status: 400, reason: 'a credential in the query string is refused (it ends up in logs and history); send it as "Authorization: Bearer" or as an AUTH message' };
  }
  const presented = bearer(headers);
  const grant = presented === null ? null : credential.check(presented);
  if (presented !== null && grant === null) return { ok: false, status: 401, reason: 'the Authorization credential is not valid for this weft-appd start; read it again from $XDG_RUNTIME_DIR/weft/appd.wstoken' };
  const origin = headers.origin;
  if (origin === undefined) return { ok: true, client: 'local', grant: grant ?? { role: 'full' } };
  let page: Page | null = null;
  try {
    const parsed = new URL(origin);
    if (parsed.protocol === 'http:' && parsed.port === String(port)) page = pageOfHostname(parsed.hostname);
  } catch {
    page = null;
  }
  if (page === null) return { ok: false, status: 403, reason: `Origin ${JSON.stringify(origin.slice(0, 200))} is not one of weft's pages; only weft's dashboard and app UIs served on port ${port} may connect from a browser` };
  if (grant !== null && !grantFitsPage(grant, page)) return { ok: false, status: 403, reason: 'the credential does not belong to the page presenting it' };
  return { ok: true, client: 'browser', page, grant };
}
