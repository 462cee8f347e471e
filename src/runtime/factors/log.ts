// Factor weft:app/log (granted to every app): structured records into the session's log as one stderr line each, secret variable values redacted.
import { readVariableValues, REDACTED } from '../../config/variable-values.js';
import { defineFactor } from './factor.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** A record's message and each field are cut to this many characters; at most LOG_MAX_FIELDS fields. */
export const LOG_MAX_TEXT_CHARS = 2048;
export const LOG_MAX_FIELDS = 32;
/** Marks the line in the session log; it is text like any other stderr line, so an app that prints the same prefix gains nothing. */
export const LOG_LINE_PREFIX = 'app-log ';

interface LogConfig {
  /** Values of the app's secret variables, longest first, so a secret containing another is redacted whole. */
  secrets: string[];
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text.length > LOG_MAX_TEXT_CHARS ? `${text.slice(0, LOG_MAX_TEXT_CHARS)}…` : text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

/** The line a record becomes: `app-log {"level":…,"msg":…,"fields":{…}}`. */
export function formatLogRecord(level: string, message: string, fields: readonly (readonly [string, string])[], secrets: readonly string[]): string {
  const kept = fields.slice(0, LOG_MAX_FIELDS).map(([key, value]) => [redact(key, secrets), redact(value, secrets)]);
  const record: Record<string, unknown> = { level: LOG_LEVELS.includes(level as LogLevel) ? level : 'info', msg: redact(message, secrets), fields: Object.fromEntries(kept) };
  if (fields.length > LOG_MAX_FIELDS) record.dropped_fields = fields.length - LOG_MAX_FIELDS;
  return `${LOG_LINE_PREFIX}${JSON.stringify(record)}`;
}

export const logFactor = defineFactor<LogConfig>({
  name: 'log',
  // Granted by default: a record reaches only the session's own log, under the rate limit its
  // stderr already has, so it gives the app nothing it lacks (it can print), only structure.
  grant(_grants, session) {
    const secretNames = (session.variables ?? []).filter((v) => v.secret).map((v) => v.name);
    if (secretNames.length === 0) return { secrets: [] };
    let stored: Record<string, string> = {};
    try {
      stored = readVariableValues(session.appId);
    } catch {
      // The config factor reports an unreadable values file; without values there is nothing to redact.
    }
    const secrets = secretNames.flatMap((name) => (stored[name] ? [stored[name]] : [])).sort((a, b) => b.length - a.length);
    return { secrets };
  },
  host: (config) => ({
    post(data) {
      const { level, message, fields } = data as { level: string; message: string; fields: [string, string][] };
      process.stderr.write(`${formatLogRecord(level, message, fields, config.secrets)}\n`);
    },
  }),
  guest: (_config, context) => ({
    'weft:app/log': {
      emit(level: string, message: string, fields: [string, string][]): void {
        context.post('log', { level, message, fields });
      },
    },
  }),
});
