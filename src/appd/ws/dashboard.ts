// Serves the dashboard's three files (ui/dashboard/) on localhost:<port>, with a CSP that lets them talk only to this endpoint.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The package's ui/dashboard/ folder, from dist/appd/ws/ (or src/appd/ws/). */
const DASHBOARD_DIR = fileURLToPath(new URL('../../../ui/dashboard/', import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/** Its own files and this endpoint's WebSocket, nothing else; no inline code; framed by nobody. */
function dashboardCsp(port: number): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ws://localhost:${port} ws://127.0.0.1:${port}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;
}

export async function serveDashboard(req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const entry = FILES[path];
  if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('not part of the dashboard\n');
    return;
  }
  const body = await readFile(`${DASHBOARD_DIR}${entry.file}`);
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.byteLength,
    'content-security-policy': dashboardCsp(port),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
