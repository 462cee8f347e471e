#!/usr/bin/env node
// weft-app-shell <app_id> <session_id>: WEFT's app-shell contract (WEFT_APP_SHELL_BIN); opens the session's UI in a browser window.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stateDir } from '../config/paths.js';
import { wsPortPath } from '../appd/ws/credential.js';
import { appUiOrigin } from '../appd/ws/urls.js';

const CHROMIUMS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function fail(message: string): never {
  process.stderr.write(`weft-app-shell: ${message}\n`);
  process.exit(2);
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

const [appId, sessionArg] = process.argv.slice(2);
if (!appId || !sessionArg || !/^[0-9]+$/.test(sessionArg)) fail('usage: weft-app-shell <app_id> <session_id> (appd starts it as WEFT_APP_SHELL_BIN)');
let port: number;
try {
  port = Number(readFileSync(wsPortPath(stateDir(process.env)), 'utf8'));
} catch (error) {
  fail(`cannot read the WebSocket port (${(error as Error).message}); weft-appd must run with WEFT_APPD_WS_PORT not "off"`);
}
const url = `${appUiOrigin(port, Number(sessionArg))}/`;
// The user's $BROWSER wins; else Chromium's --app mode (a window of its own, no address bar, living as
// long as this shell); else xdg-open.
const chromium = CHROMIUMS.find(onPath);
const browser = process.env.BROWSER && process.env.BROWSER.length > 0 ? process.env.BROWSER : null;
const [file, args]: [string, string[]] = browser ? [browser, [url]] : chromium ? [chromium, [`--app=${url}`, '--new-window']] : ['xdg-open', [url]];
const child = spawn(file, args, { stdio: 'ignore' });
child.on('error', (error) => fail(`cannot start ${file}: ${error.message}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
