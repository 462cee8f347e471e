// weftctl's commands: each talks to the daemon through CtlClient and prints a table for people or JSON for scripts.
import { ErrorCode, type Response, type SessionDetails, type WarmRuntimes } from '../protocol/messages.js';
import { CtlClient, CtlError } from './session-client.js';
import { inert, inertJson } from './inert.js';
import { describeExit } from '../protocol/exit-text.js';
import { formatBytes, formatDuration, formatEvent, keyValues, sessionDetails, sessionRow, SESSION_HEADERS, table } from './format.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Common {
  socket: string;
  json: boolean;
}

function print(io: Io, common: Common, json: unknown, human: () => string): void {
  io.out(common.json ? inertJson(JSON.stringify(json)) : human());
}

async function withClient<T>(common: Common, run: (client: CtlClient) => Promise<T>): Promise<T> {
  const client = await CtlClient.connect(common.socket);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

export function apps(io: Io, common: Common): Promise<void> {
  return withClient(common, async (client) => {
    const { apps } = await client.call({ type: 'QUERY_INSTALLED_APPS' }, 'INSTALLED_APPS');
    print(io, common, apps, () =>
      apps.length === 0 ? 'no apps installed (install one with: weft-pack install <package-dir>)' : table(['APP ID', 'NAME', 'VERSION'], apps.map((a) => [a.app_id, a.name, a.version])),
    );
  });
}

export function launch(io: Io, common: Common, appId: string, wait: boolean, timeoutMs: number): Promise<void> {
  return withClient(common, async (client) => {
    // Subscribe first: READY can come before we would otherwise start listening.
    if (wait) await client.subscribe();
    const ack = await client.call({ type: 'LAUNCH_APP', app_id: appId, surface_id: 0 }, 'LAUNCH_ACK');
    const sid = ack.session_id;
    if (!wait) {
      print(io, common, ack, () => `launched ${inert(ack.app_id)} as session ${sid}`);
      return;
    }
    const outcome = await client.waitFor<{ ready: true } | { ready: false; event: Extract<Response, { type: 'APP_STATE' }> }>(
      (event) => {
        if (event.type === 'APP_READY' && event.session_id === sid) return { ready: true };
        // A stop the restart policy will undo is not the end; wait for the next READY.
        if (event.type === 'APP_STATE' && event.session_id === sid && event.state === 'stopped' && event.restart_in_ms === undefined) return { ready: false, event };
        return undefined;
      },
      timeoutMs,
      `session ${sid} to become ready`,
    );
    if (!outcome.ready) {
      if (common.json) io.out(JSON.stringify({ ...ack, ready: false, exit: outcome.event }));
      throw new CtlError(`session ${sid} (${appId}) stopped before it was ready: ${describeExit(outcome.event)}`);
    }
    const info = await client.callOrError({ type: 'QUERY_SESSION', session_id: sid }, 'SESSION_INFO');
    const readyMs = info.type === 'SESSION_INFO' ? info.session.ready_ms : null;
    print(io, common, { ...ack, ready: true, ready_ms: readyMs }, () => `session ${sid} (${ack.app_id}) is ready${readyMs === null ? '' : ` after ${formatDuration(readyMs)}`}`);
  });
}

export function ps(io: Io, common: Common): Promise<void> {
  return withClient(common, async (client) => {
    const { sessions } = await client.call({ type: 'QUERY_RUNNING' }, 'RUNNING_APPS');
    const details: SessionDetails[] = [];
    for (const ref of sessions) {
      const info = await client.callOrError({ type: 'QUERY_SESSION', session_id: ref.session_id }, 'SESSION_INFO');
      if (info.type === 'SESSION_INFO') {
        details.push(info.session);
        continue;
      }
      // A WEFT daemon has no QUERY_SESSION; show what QUERY_APP_STATE knows.
      const state = await client.call({ type: 'QUERY_APP_STATE', session_id: ref.session_id }, 'APP_STATE');
      details.push({ session_id: ref.session_id, app_id: ref.app_id, state: state.state, pid: null, backend: '-', started_at: new Date().toISOString(), ready_ms: null, restarts: 0, cpu_percent: null, rss_bytes: null, exit: null });
    }
    const now = Date.now();
    print(io, common, details, () => (details.length === 0 ? 'no apps running' : table(SESSION_HEADERS, details.map((s) => sessionRow(s, now)))));
  });
}

export function state(io: Io, common: Common, sessionId: number): Promise<void> {
  return withClient(common, async (client) => {
    const info = await client.callOrError({ type: 'QUERY_SESSION', session_id: sessionId }, 'SESSION_INFO');
    if (info.type === 'SESSION_INFO') {
      print(io, common, info.session, () => sessionDetails(info.session));
      return;
    }
    if (info.code !== ErrorCode.unknownType) throw new CtlError(info.message);
    const plain = await client.call({ type: 'QUERY_APP_STATE', session_id: sessionId }, 'APP_STATE');
    if (plain.state === 'not_found') throw new CtlError(`session ${sessionId} not found`);
    print(io, common, plain, () => `session ${sessionId}: ${plain.state}`);
  });
}

export function send(io: Io, common: Common, sessionId: number, payload: string, reply: boolean, timeoutMs: number): Promise<void> {
  return withClient(common, async (client) => {
    if (reply) await client.subscribe();
    await client.call({ type: 'IPC_FORWARD', session_id: sessionId, payload }, 'APP_STATE');
    if (!reply) {
      if (common.json) io.out(JSON.stringify({ session_id: sessionId, sent: true }));
      return;
    }
    const answer = await client.waitFor(
      (event) => {
        if (event.type === 'IPC_MESSAGE' && event.session_id === sessionId) return event;
        if (event.type === 'APP_STATE' && event.session_id === sessionId && event.state === 'stopped') {
          throw new CtlError(`session ${sessionId} stopped before replying: ${describeExit(event)}`);
        }
        return undefined;
      },
      timeoutMs,
      `a reply from session ${sessionId}`,
    );
    print(io, common, answer, () => inert(answer.payload));
  });
}

export function stop(io: Io, common: Common, sessionId: number): Promise<void> {
  return withClient(common, async (client) => {
    const result = await client.call({ type: 'TERMINATE_APP', session_id: sessionId }, 'APP_STATE');
    print(io, common, result, () => `session ${sessionId}${result.app_id ? ` (${result.app_id})` : ''} stopped`);
  });
}

export function watch(io: Io, common: Common): Promise<void> {
  return withClient(common, async (client) => {
    await client.subscribe();
    if (!common.json) io.err('watching events (Ctrl-C to stop)');
    await client.stream((event) => io.out(common.json ? JSON.stringify(event) : formatEvent(event, new Date())));
    io.err('the daemon closed the connection');
  });
}

/** `2/4 apps (a, b), 130 MiB of 512 MiB, idle after 600 s`. */
export function describeWarm(w: WarmRuntimes): string {
  const apps = w.apps.length > 0 ? ` (${w.apps.join(', ')})` : '';
  return `${w.apps.length}/${w.max_apps} apps${apps}, ${formatBytes(w.rss_bytes)} of ${w.memory_max_mb} MiB, idle after ${w.idle_s} s`;
}

export function status(io: Io, common: Common): Promise<void> {
  return withClient(common, async (client) => {
    const { status: s } = await client.call({ type: 'QUERY_STATUS' }, 'DAEMON_STATUS');
    print(io, common, s, () =>
      keyValues([
        ['daemon', `weft-appd ${s.version}, pid ${s.pid}, up ${formatDuration(s.uptime_ms)}`],
        ['socket', s.socket],
        ['backend', s.backend],
        // An appd from before the field says nothing about its sandbox.
        ['sandbox', s.sandbox ?? '-'],
        ['sessions', `${s.sessions.running} running, ${s.sessions.starting} starting, ${s.sessions.stopping} stopping, ${s.sessions.stopped} recently stopped`],
        ['clients', String(s.clients)],
        ['memory', formatBytes(s.rss_bytes)],
        ['warm', s.warm ? describeWarm(s.warm) : 'off'],
      ]),
    );
  });
}
