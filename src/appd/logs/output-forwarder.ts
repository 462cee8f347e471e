// Forwards an app's stdout/stderr lines into its session logger, rate-limited, with one "suppressed N lines" record per burst.
import type { Logger } from '../../log/logger.js';
import { LineRing } from './line-ring.js';
import { TokenBucket } from './token-bucket.js';

/** How soon a burst's "suppressed N lines" record is written when no further line triggers it. */
const FLUSH_AFTER_MS = 1000;
/** Longest line text that reaches the log; the rest is counted, not logged. */
export const MAX_LOGGED_LINE_CHARS = 4096;
/** A line costs one token per started KiB, so a newline-free flood is limited by bytes too. */
const CHARS_PER_TOKEN = 1024;

export type OutputStream = 'stdout' | 'stderr' | 'shell-stdout' | 'shell-stderr';

export class OutputForwarder {
  private readonly bucket: TokenBucket;
  private suppressed = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  /** The last lines, rate limit or not (QUERY_LOG / FOLLOW_LOG); bounded, so a flood costs nothing extra. */
  readonly tail = new LineRing();
  /** Applied to each line before it is logged: the app's secret variable values become [redacted]. */
  private redact: (text: string) => string = (text) => text;

  constructor(
    private readonly log: Logger,
    linesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bucket = new TokenBucket(linesPerSecond, linesPerSecond, now());
  }

  redactWith(redact: (text: string) => string): void {
    this.redact = redact;
  }

  line(stream: OutputStream, raw: string): void {
    const text = this.redact(raw);
    const logged = text.length > MAX_LOGGED_LINE_CHARS ? text.slice(0, MAX_LOGGED_LINE_CHARS) : text;
    this.tail.push({ stream, text: logged, at: new Date(this.now()).toISOString() });
    const cost = Math.max(1, Math.ceil(logged.length / CHARS_PER_TOKEN));
    if (!this.bucket.take(this.now(), cost)) {
      this.suppressed += 1;
      // An app that floods and then goes quiet still gets its count reported soon.
      this.flushTimer ??= setTimeout(() => this.flushSuppressed(), FLUSH_AFTER_MS);
      return;
    }
    this.flushSuppressed();
    const fields = logged.length < text.length ? { stream, truncated_chars: text.length - logged.length } : { stream };
    if (stream.endsWith('stderr')) this.log.warn(fields, logged);
    else this.log.info(fields, logged);
  }

  /** Reports lines dropped since the last record (also called when the session ends). */
  flushSuppressed(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.suppressed === 0) return;
    this.log.warn({ suppressed: this.suppressed }, `suppressed ${this.suppressed} output line${this.suppressed === 1 ? '' : 's'} (over the rate limit)`);
    this.suppressed = 0;
  }
}
