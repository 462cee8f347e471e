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
  if (options.destination) return pino(base, options.destination);
  const destination = boundedStdout();
  const log = pino(base, destination.stream);
  destination.onDropped((records, bytes) => log.warn({ dropped_records: records, dropped_bytes: bytes }, `the log reader was too slow: dropped ${records} log records (${bytes} bytes)`));
  return log;
}

/** Log bytes buffered for a slow reader at most; past this, records are dropped and counted. */
export const MAX_LOG_BUFFER_BYTES = 4 * 1024 * 1024;
/** How often a drop count is reported (once the buffer has room again). */
const DROP_REPORT_MS = 1000;

/**
 * stdout through sonic-boom with `maxLength`: when whoever reads appd's log (journald, a pipe, a
 * terminal) falls behind, records past MAX_LOG_BUFFER_BYTES are dropped, not queued in memory,
 * and the loss is logged once there is room.
 */
function boundedStdout(): { stream: ReturnType<typeof pino.destination>; onDropped(report: (records: number, bytes: number) => void): void } {
  const stream = pino.destination({ fd: 1, sync: false, maxLength: MAX_LOG_BUFFER_BYTES });
  let records = 0;
  let bytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let report: (records: number, bytes: number) => void = () => {};
  const flush = (): void => {
    timer = null;
    if (records === 0) return;
    const [r, b] = [records, bytes];
    records = 0;
    bytes = 0;
    report(r, b);
  };
  (stream as unknown as NodeJS.EventEmitter).on('drop', (data: string) => {
    records += 1;
    bytes += Buffer.byteLength(data);
    timer ??= setTimeout(flush, DROP_REPORT_MS).unref();
  });
  return { stream, onDropped: (fn) => (report = fn) };
}
