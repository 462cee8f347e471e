// weftctl's browser commands: `dashboard` and `open` print or open the URLs of weft's pages on appd's WebSocket port.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { stateDir } from '../config/paths.js';
import { credentialPath, wsPortPath } from '../appd/ws/credential.js';
import { appUiOrigin, dashboardUrl } from '../appd/ws/urls.js';
import type { Common, Io } from './commands.js';
import { CtlClient, CtlError } from './session-client.js';

/** The endpoint's files sit beside the daemon socket in the runtime dir. */
async function endpointFile(common: Common, path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new CtlError(`cannot read ${what} at ${path}: is weft-appd running with its WebSocket endpoint (WEFT_APPD_WS_PORT not "off")? socket: ${common.socket}`);
  }
}

async function port(common: Common): Promise<number> {
  const text = await endpointFile(common, wsPortPath(stateDir(process.env)), "the WebSocket endpoint's port");
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > 65_535) throw new CtlError(`the port file holds "${text.slice(0, 20)}", not a port; restart weft-appd`);
  return value;
}

/** Opens `url` in the user's browser: $BROWSER, else xdg-open; detached, so weftctl returns at once. */
function openInBrowser(url: string, io: Io): void {
  const browser = process.env.BROWSER && process.env.BROWSER.length > 0 ? process.env.BROWSER : 'xdg-open';
  const child = spawn(browser, [url], { detached: true, stdio: 'ignore' });
  child.on('error', (error) => io.err(`weftctl: cannot start ${browser} (${error.message}); open the URL yourself (weftctl … --print-url)`));
  child.unref();
}

export async function dashboard(io: Io, common: Common, printUrl: boolean): Promise<void> {
  const token = await endpointFile(common, credentialPath(stateDir(process.env)), "the dashboard's credential");
  const url = dashboardUrl(await port(common), token);
  if (printUrl) io.out(url);
  else openInBrowser(url, io);
}

/** `target`: a session id (its UI), or an app id (its running session, else a new one once READY). */
export async function open(io: Io, common: Common, target: string, printUrl: boolean, timeoutMs: number): Promise<void> {
  const wsPort = await port(common);
  const client = await CtlClient.connect(common.socket);
  let sessionId: number;
  try {
    if (/^[0-9]+$/.test(target)) {
      sessionId = Number(target);
      const state = await client.call({ type: 'QUERY_APP_STATE', session_id: sessionId }, 'APP_STATE');
      if (state.state === 'not_found' || state.state === 'stopped') throw new CtlError(`session ${sessionId} is not running; see weftctl ps`);
    } else {
      const { sessions } = await client.call({ type: 'QUERY_RUNNING' }, 'RUNNING_APPS');
      const running = sessions.find((s) => s.app_id === target);
      if (running) sessionId = running.session_id;
      else {
        await client.subscribe();
        sessionId = (await client.call({ type: 'LAUNCH_APP', app_id: target, surface_id: 0 }, 'LAUNCH_ACK')).session_id;
        const id = sessionId;
        await client.waitFor((event) => (event.type === 'APP_READY' && event.session_id === id ? true : undefined), timeoutMs, `session ${id} to become ready`);
      }
    }
  } finally {
    client.close();
  }
  const url = `${appUiOrigin(wsPort, sessionId)}/`;
  if (printUrl) io.out(url);
  else openInBrowser(url, io);
}
