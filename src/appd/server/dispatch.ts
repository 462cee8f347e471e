// Answers each request: WEFT's message set, exactly as WEFT replies, plus weft's SUBSCRIBE, QUERY_SESSION and QUERY_STATUS.
import type { Logger } from '../../log/logger.js';
import { ErrorCode, type DaemonStatus, type Request, type Response } from '../../protocol/messages.js';
import { listInstalled } from '../../store/list.js';
import type { Env } from '../../config/paths.js';
import type { Supervisor } from '../session/supervisor.js';

export interface DispatchContext {
  supervisor: Supervisor;
  env: Env;
  status: () => DaemonStatus;
  /** Broadcasts to subscribers (PANEL_GESTURE is relayed as NAVIGATION_GESTURE, as WEFT does). */
  broadcast: (event: Response) => void;
  log: Logger;
}

/** The connection a request came on, for FOLLOW_LOG: events to it alone, and a hook for when it closes. */
export interface EventSink {
  sendEvent(event: Response): void;
  whenClosed(cleanup: () => void): void;
}

export function createDispatcher(ctx: DispatchContext): (request: Request, sink?: EventSink) => Promise<Response> {
  return async (request, sink) => {
    switch (request.type) {
      case 'LAUNCH_APP': {
        const result = await ctx.supervisor.launch(request.app_id);
        if (!result.ok) {
          ctx.log.warn({ app_id: request.app_id, code: result.code }, result.message);
          return { type: 'ERROR', code: result.code, message: result.message };
        }
        return { type: 'LAUNCH_ACK', session_id: result.session.id, app_id: result.session.appId };
      }
      case 'TERMINATE_APP': {
        const session = await ctx.supervisor.terminate(request.session_id);
        if (!session) return notFound(request.session_id);
        return { type: 'APP_STATE', session_id: session.id, state: 'stopped', app_id: session.appId, ...(session.exit ?? {}), restarts: session.restarts };
      }
      case 'QUERY_RUNNING':
        return { type: 'RUNNING_APPS', sessions: ctx.supervisor.running() };
      case 'QUERY_APP_STATE': {
        const session = ctx.supervisor.get(request.session_id);
        return session
          ? { type: 'APP_STATE', session_id: session.id, state: session.state, app_id: session.appId }
          : { type: 'APP_STATE', session_id: request.session_id, state: 'not_found' };
      }
      case 'QUERY_INSTALLED_APPS': {
        const listed = await listInstalled(ctx.env);
        for (const broken of listed.filter((app) => !app.manifest)) {
          ctx.log.warn({ app_id: broken.installed.appId, problem: broken.problem }, 'skipping an installed app whose manifest does not load');
        }
        return {
          type: 'INSTALLED_APPS',
          apps: listed.flatMap(({ manifest, installed }) =>
            manifest
              ? [{ app_id: manifest.id, name: manifest.name, version: manifest.version, ...(manifest.description !== undefined ? { description: manifest.description } : {}), capabilities: manifest.capabilities, has_ui: manifest.uiEntry !== undefined, signed_by: installed.record?.signed_by ?? null }]
              : [],
          ),
        };
      }
      case 'IPC_FORWARD': {
        const result = ctx.supervisor.forward(request.session_id, request.payload);
        return result.ok ? { type: 'APP_STATE', session_id: request.session_id, state: 'running' } : { type: 'ERROR', code: result.code, message: result.message };
      }
      case 'PANEL_GESTURE': {
        const gesture: Response = { type: 'NAVIGATION_GESTURE', gesture_type: request.gesture_type, fingers: request.fingers, dx: request.dx, dy: request.dy };
        ctx.broadcast(gesture);
        return gesture;
      }
      case 'SUBSCRIBE':
        return { type: 'SUBSCRIBED' };
      case 'QUERY_SESSION': {
        const session = ctx.supervisor.get(request.session_id);
        return session ? { type: 'SESSION_INFO', session: session.details() } : notFound(request.session_id);
      }
      case 'QUERY_STATUS':
        return { type: 'DAEMON_STATUS', status: ctx.status() };
      case 'QUERY_LOG':
      case 'FOLLOW_LOG': {
        const session = ctx.supervisor.get(request.session_id);
        if (!session) return notFound(request.session_id);
        const sessionId = session.id;
        if (request.type === 'FOLLOW_LOG' && sink) {
          const stop = session.output.tail.follow((line) => sink.sendEvent({ type: 'LOG_LINE', session_id: sessionId, ...line }));
          sink.whenClosed(stop);
        }
        return { type: 'LOG_LINES', session_id: sessionId, lines: session.output.tail.snapshot() };
      }
      case 'AUTH':
        // The WebSocket endpoint answers AUTH itself; the Unix socket checks the peer's uid instead.
        return { type: 'ERROR', code: ErrorCode.badRequest, message: 'AUTH is only for the WebSocket endpoint; the Unix socket needs no credential' };
    }
  };
}

/** WEFT's exact wording and code for an unknown session. */
function notFound(sessionId: number): Response {
  return { type: 'ERROR', code: ErrorCode.noSuchSession, message: `session ${sessionId} not found` };
}
