// The daemon's message set: WEFT's requests and responses plus weft's extensions, and their field order on the wire.

/** WEFT's session states, plus nothing else: clients switch on these strings. */
export type AppStateKind = 'starting' | 'running' | 'stopping' | 'stopped' | 'not_found';

export interface SessionRef {
  session_id: number;
  app_id: string;
}

export interface InstalledApp {
  app_id: string;
  name: string;
  version: string;
  // weft's extensions (map encoding only; WEFT clients ignore them)
  description?: string;
  capabilities?: string[];
  /** The package has a `[ui]` entry (the dashboard offers Open). */
  has_ui?: boolean;
  /** Hex Ed25519 key whose signature verified at install; null when unsigned. */
  signed_by?: string | null;
}

/** How a session's process ended; weft's extension to APP_STATE events. */
export interface ExitInfo {
  exit_code: number | null;
  signal: string | null;
  /** Why it ended: `exited`, `trap`, `killed`, `terminated`, `memory-limit`, `cpu-limit`, `ready-timeout`, `load-failed`, `appd-shutdown`. */
  reason: string;
  message?: string;
}

/** weft's optional APP_STATE fields (events and TERMINATE_APP replies); WEFT clients ignore them. */
export interface AppStateExtras {
  app_id?: string;
  /** Restarts so far under the app's [restart] policy. */
  restarts?: number;
  /** Set on a `stopped` event when the restart policy will start the session again after this delay. */
  restart_in_ms?: number;
}

/** One line of a session's output (weft's QUERY_LOG / FOLLOW_LOG). */
export interface LogLine {
  stream: string;
  text: string;
  /** When appd read it, ISO 8601. */
  at: string;
}

export type Request =
  | { type: 'LAUNCH_APP'; app_id: string; surface_id: number }
  | { type: 'TERMINATE_APP'; session_id: number }
  | { type: 'QUERY_RUNNING' }
  | { type: 'QUERY_APP_STATE'; session_id: number }
  | { type: 'QUERY_INSTALLED_APPS' }
  | { type: 'IPC_FORWARD'; session_id: number; payload: string }
  | { type: 'PANEL_GESTURE'; gesture_type: number; fingers: number; dx: number; dy: number }
  // weft extensions
  | { type: 'SUBSCRIBE' }
  | { type: 'QUERY_SESSION'; session_id: number }
  | { type: 'QUERY_STATUS' }
  /** The WebSocket's credential as a first message (browsers cannot set headers on a WebSocket); an error on the Unix socket. */
  | { type: 'AUTH'; token: string }
  /** The session's last output lines (a bounded ring kept by appd). */
  | { type: 'QUERY_LOG'; session_id: number }
  /** The same, then each new line as a LOG_LINE event to this connection only, until it closes. */
  | { type: 'FOLLOW_LOG'; session_id: number };

export interface SessionDetails {
  session_id: number;
  app_id: string;
  state: AppStateKind;
  pid: number | null;
  backend: string;
  started_at: string;
  ready_ms: number | null;
  restarts: number;
  cpu_percent: number | null;
  rss_bytes: number | null;
  exit: ExitInfo | null;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  uptime_ms: number;
  socket: string;
  backend: string;
  /** The kernel sandbox: `bwrap (<path>)`, or `off (<reason>)`. Optional: older weft-appd builds do not send it. */
  sandbox?: string;
  sessions: Record<AppStateKind, number>;
  clients: number;
  rss_bytes: number;
  /** Per-app warm runtimes, when appd keeps them (direct backend, WEFT_STANDBY and WEFT_WARM_APPS not 0). Optional: older builds do not send it. */
  warm?: WarmRuntimes;
}

/** The apps weft-appd keeps a warm runtime for, and the settings that bound them. */
export interface WarmRuntimes {
  /** Most recently launched first. */
  apps: string[];
  max_apps: number;
  idle_s: number;
  memory_max_mb: number;
  /** RSS of all warm runtimes together, as last sampled. */
  rss_bytes: number;
}

export type Response =
  | { type: 'LAUNCH_ACK'; session_id: number; app_id: string }
  | { type: 'APP_READY'; session_id: number; app_id: string }
  | { type: 'RUNNING_APPS'; sessions: SessionRef[] }
  | ({ type: 'APP_STATE'; session_id: number; state: AppStateKind } & Partial<ExitInfo> & AppStateExtras)
  | { type: 'INSTALLED_APPS'; apps: InstalledApp[] }
  | { type: 'IPC_MESSAGE'; session_id: number; payload: string }
  | { type: 'NAVIGATION_GESTURE'; gesture_type: number; fingers: number; dx: number; dy: number }
  | { type: 'ERROR'; code: number; message: string }
  // weft extensions
  | { type: 'SUBSCRIBED' }
  | { type: 'SESSION_INFO'; session: SessionDetails }
  | { type: 'DAEMON_STATUS'; status: DaemonStatus }
  /** The answer to AUTH: what the connection may do from now on. */
  | { type: 'AUTHENTICATED'; role: 'full' | 'app-ui'; session_id: number | null }
  | { type: 'LOG_LINES'; session_id: number; lines: LogLine[] }
  | ({ type: 'LOG_LINE'; session_id: number } & LogLine);

/** A message pushed to a subscribed connection: any response shape, marked `event: true`. */
export type EventMessage = Response & { event: true };

export type RequestType = Request['type'];
export type ResponseType = Response['type'];

/** ERROR codes. WEFT uses a bare u32; these are weft's, documented in docs/architecture/protocol.md. */
export const ErrorCode = {
  /** WEFT's code for an unknown session. */
  noSuchSession: 1,
  badRequest: 2,
  unknownType: 3,
  appNotInstalled: 4,
  launchFailed: 5,
  sessionNotRunning: 6,
  payloadTooLarge: 7,
  ipcBackpressure: 8,
  shuttingDown: 9,
  internal: 10,
  /** weft-appd's cap on live sessions or connected clients is reached. */
  limitReached: 11,
  /** The connection's role does not allow this request (an app UI addressing another session). */
  forbidden: 12,
} as const;

type FieldKind = 'string' | 'uint' | 'number';

/** Request fields in WEFT's declaration order; the order is what array-encoded (rmp_serde::to_vec) frames use. */
export const REQUEST_FIELDS: Record<RequestType, ReadonlyArray<readonly [string, FieldKind]>> = {
  LAUNCH_APP: [
    ['app_id', 'string'],
    ['surface_id', 'uint'],
  ],
  TERMINATE_APP: [['session_id', 'uint']],
  QUERY_RUNNING: [],
  QUERY_APP_STATE: [['session_id', 'uint']],
  QUERY_INSTALLED_APPS: [],
  IPC_FORWARD: [
    ['session_id', 'uint'],
    ['payload', 'string'],
  ],
  PANEL_GESTURE: [
    ['gesture_type', 'uint'],
    ['fingers', 'uint'],
    ['dx', 'number'],
    ['dy', 'number'],
  ],
  SUBSCRIBE: [],
  QUERY_SESSION: [['session_id', 'uint']],
  QUERY_STATUS: [],
  AUTH: [['token', 'string']],
  QUERY_LOG: [['session_id', 'uint']],
  FOLLOW_LOG: [['session_id', 'uint']],
};

/** Response fields WEFT knows, in its declaration order (array encoding sends exactly these). */
export const RESPONSE_FIELDS: Record<ResponseType, readonly string[]> = {
  LAUNCH_ACK: ['session_id', 'app_id'],
  APP_READY: ['session_id', 'app_id'],
  RUNNING_APPS: ['sessions'],
  APP_STATE: ['session_id', 'state'],
  INSTALLED_APPS: ['apps'],
  IPC_MESSAGE: ['session_id', 'payload'],
  NAVIGATION_GESTURE: ['gesture_type', 'fingers', 'dx', 'dy'],
  ERROR: ['code', 'message'],
  SUBSCRIBED: [],
  SESSION_INFO: ['session'],
  DAEMON_STATUS: ['status'],
  AUTHENTICATED: ['role', 'session_id'],
  LOG_LINES: ['session_id', 'lines'],
  LOG_LINE: ['session_id', 'stream', 'text', 'at'],
};

/** Nested structs WEFT sends as arrays in compact mode, in field order. */
const NESTED_FIELDS: Partial<Record<ResponseType, readonly string[]>> = {
  RUNNING_APPS: ['session_id', 'app_id'],
  INSTALLED_APPS: ['app_id', 'name', 'version'],
};

export type ParsedRequest =
  | { ok: true; request: Request; compact: boolean }
  | { ok: false; code: number; message: string; compact: boolean };

function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_FIELDS, value);
}

function checkField(type: string, name: string, kind: FieldKind, value: unknown): string | null {
  if (value === undefined) return `${type} is missing field "${name}"`;
  if (kind === 'string' && typeof value !== 'string') return `${type}.${name} must be a string, got ${describe(value)}`;
  if (kind === 'uint') {
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      return `${type}.${name} must be a non-negative integer, got ${describe(value)}`;
    }
  }
  if (kind === 'number' && typeof value !== 'number') return `${type}.${name} must be a number, got ${describe(value)}`;
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return typeof value === 'object' ? 'a map' : `${typeof value} ${String(value)}`;
}

/**
 * Reads a decoded frame as a request. WEFT's Rust client encodes with `rmp_serde::to_vec`, which
 * writes a struct as an array `[type, field…]` in declaration order; other clients send maps
 * `{type, field…}`. Both are accepted, and `compact` says which one the client used.
 */
export function parseRequest(value: unknown): ParsedRequest {
  const compact = Array.isArray(value);
  let type: unknown;
  let fields: Record<string, unknown>;
  if (Array.isArray(value)) {
    type = value[0];
    if (!isRequestType(type)) return unknown(type, compact);
    const order = REQUEST_FIELDS[type];
    if (value.length - 1 > order.length) {
      return { ok: false, code: ErrorCode.badRequest, message: `${type} has ${value.length - 1} fields; it takes ${order.length}`, compact };
    }
    fields = Object.fromEntries(order.map(([name], index) => [name, value[index + 1]]));
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    fields = value as Record<string, unknown>;
    type = fields.type;
    if (!isRequestType(type)) return unknown(type, compact);
  } else {
    return { ok: false, code: ErrorCode.badRequest, message: `a request must be a map with a "type" field, got ${describe(value)}`, compact };
  }
  const request: Record<string, unknown> = { type };
  for (const [name, kind] of REQUEST_FIELDS[type]) {
    const problem = checkField(type, name, kind, fields[name]);
    if (problem) return { ok: false, code: ErrorCode.badRequest, message: problem, compact };
    const raw = fields[name];
    request[name] = typeof raw === 'bigint' ? Number(raw) : raw;
  }
  return { ok: true, request: request as Request, compact };
}

function unknown(type: unknown, compact: boolean): ParsedRequest {
  return typeof type === 'string'
    ? { ok: false, code: ErrorCode.unknownType, message: `unknown request type "${type.slice(0, 64)}"`, compact }
    : { ok: false, code: ErrorCode.badRequest, message: `a request needs a string "type" field, got ${describe(type)}`, compact };
}

/**
 * The wire shape of a response: a map with every field (weft's extensions included), or, for a
 * client that spoke compact arrays, WEFT's exact array layout with only the fields WEFT knows.
 */
export function responseToWire(response: Response, compact: boolean): unknown {
  if (!compact) return response;
  const record = response as unknown as Record<string, unknown>;
  const nested = NESTED_FIELDS[response.type];
  return [
    response.type,
    ...RESPONSE_FIELDS[response.type].map((name) => {
      const field = record[name];
      if (nested && Array.isArray(field)) {
        return field.map((item: Record<string, unknown>) => nested.map((key) => item[key]));
      }
      return field;
    }),
  ];
}

/** Reads a decoded frame as a response (client side); accepts both encodings. */
export function parseResponse(value: unknown): Response {
  if (Array.isArray(value)) {
    const type = value[0] as ResponseType;
    const order = RESPONSE_FIELDS[type];
    if (!order) throw new Error(`unknown response type ${describe(type)}`);
    const out: Record<string, unknown> = { type };
    order.forEach((name, index) => {
      const field = value[index + 1];
      const nested = NESTED_FIELDS[type];
      out[name] =
        nested && Array.isArray(field)
          ? field.map((item: unknown[]) => Object.fromEntries(nested.map((key, i) => [key, item[i]])))
          : field;
    });
    return out as unknown as Response;
  }
  if (value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') {
    return value as Response;
  }
  throw new Error(`the daemon sent something that is not a message: ${describe(value)}`);
}
