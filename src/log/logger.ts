// Creates weft's pino logger: JSON lines by default, pino-pretty on a terminal, level from WEFT_LOG.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function logLevel(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.WEFT_LOG?.toLowerCase();
  return wanted && LEVELS.has(wanted) ? wanted : 'info';
}

/**
 * `pretty`: true forces pino-pretty, false forces JSON; by default a TTY stdout gets pretty output
 * (set WEFT_LOG_FORMAT=json to keep JSON on a terminal).
 */
export function createLogger(name: string, options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const base: LoggerOptions = { name, level: logLevel(), base: { pid: process.pid } };
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.WEFT_LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base, pino.destination({ fd: 1, sync: false }));
}
