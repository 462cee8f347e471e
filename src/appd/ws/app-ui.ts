// Serves a session's UI from its package (files inside the package only) on the session's own origin, with the IPC bridge injected.
import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

/** Where a live session's UI comes from. */
export interface UiSource {
  /** The package directory (real path). */
  packageDir: string;
  /** The manifest's `ui.entry`, relative to the package. */
  entry: string;
}

/** Finds a live session's UI; null when the session does not exist, has stopped or has no UI. */
export type UiLookup = (sessionId: number) => Promise<UiSource | null>;

/** Largest file served: a UI is a few pages and scripts, not a download site. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * The page may run its own scripts and load its own files, connect only to its own origin and its bridge (pages do
 * not share the backend's `net:fetch` grants), and be framed by nobody.
 */
export function appUiCsp(origin: string): string {
  const ws = origin.replace(/^http:/, 'ws:');
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * The bridge WEFT's demo UIs expect: `weftIpc.send(string)` forwards to this page's own session,
 * `weftIpc.onmessage(raw)` gets each of its payloads as the app sent it, `weftSessionId` is set.
 * It runs before the page's scripts; its token admits it to this one session only.
 */
export function bridgeScript(sessionId: number, token: string): string {
  return `<script>(() => {
  const sessionId = ${sessionId};
  const token = ${JSON.stringify(token)};
  let ready = false;
  const waiting = [];
  const bridge = {
    onmessage: null,
    send(payload) {
      const frame = JSON.stringify({ type: 'IPC_FORWARD', session_id: sessionId, payload: String(payload) });
      if (ready) socket.send(frame); else waiting.push(frame);
    },
  };
  const socket = new WebSocket('ws://' + location.host + '/');
  socket.onopen = () => socket.send(JSON.stringify({ type: 'AUTH', token }));
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'AUTHENTICATED') { ready = true; for (const frame of waiting.splice(0)) socket.send(frame); return; }
    if (message.type === 'IPC_MESSAGE' && message.session_id === sessionId && typeof bridge.onmessage === 'function') bridge.onmessage(message.payload);
    if (message.type === 'ERROR') console.warn('weft: ' + message.message);
  };
  Object.defineProperty(window, 'weftIpc', { value: bridge });
  Object.defineProperty(window, 'weftSessionId', { value: sessionId });
})();</script>`;
}

/** Puts the bridge before the page's first script: right after `<head>` (or `<html>`), else first. */
function inject(html: string, script: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + script + html.slice(head.index + head[0].length);
  const root = /<html(\s[^>]*)?>/i.exec(html);
  if (root) return html.slice(0, root.index + root[0].length) + script + html.slice(root.index + root[0].length);
  return script + html;
}

/** The file a URL path names inside the package, or null if it names nothing servable (never outside the package). */
async function resolveFile(source: UiSource, urlPath: string): Promise<string | null> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const relative = path === '/' ? source.entry : path.replace(/^\/+/, '');
  if (relative.split('/').some((part) => part === '..')) return null;
  let real: string;
  try {
    real = await realpath(join(source.packageDir, relative));
  } catch {
    return null;
  }
  // Symlinks are followed, then the result must still lie inside the package.
  return real.startsWith(source.packageDir + sep) ? real : null;
}

function notFound(res: ServerResponse, why: string): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(`${why}\n`);
}

/** Answers one request for session `sessionId`'s UI on `origin`. */
export async function serveAppUi(req: IncomingMessage, res: ServerResponse, sessionId: number, origin: string, lookup: UiLookup, token: (sessionId: number) => string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('only GET and HEAD\n');
    return;
  }
  const source = await lookup(sessionId);
  if (!source) return notFound(res, `session ${sessionId} is not running or has no UI`);
  const file = await resolveFile(source, new URL(req.url ?? '/', origin).pathname);
  if (!file) return notFound(res, 'no such file in this app\'s package');
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return notFound(res, 'no such file in this app\'s package');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return notFound(res, 'not a file (directories are not listed)');
    if (stats.size > MAX_FILE_BYTES) return notFound(res, `file over ${MAX_FILE_BYTES} bytes`);
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    let body: Buffer = await handle.readFile();
    if (type.startsWith('text/html')) body = Buffer.from(inject(body.toString('utf8'), bridgeScript(sessionId, token(sessionId))));
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.byteLength,
      'content-security-policy': appUiCsp(origin),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      // The HTML carries the session's token: never kept by a cache.
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } finally {
    await handle.close();
  }
}
