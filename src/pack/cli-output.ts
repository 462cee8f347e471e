// How weft-pack talks: results on stdout (text or --json), problems and errors on stderr, progress only on a terminal.
import { formatProblem, type Problem } from '../manifest/problem.js';
import { isPackError } from './errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class Output {
  private progressShown = false;

  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A one-line status that rewrites itself; silent unless stderr is a terminal (and never with --json). */
  readonly progress = (message: string): void => {
    if (this.json || !this.stderr.isTTY) return;
    this.stderr.write(`\r\x1b[K${message}`);
    this.progressShown = true;
  };

  private clearProgress(): void {
    if (this.progressShown) {
      this.stderr.write('\r\x1b[K');
      this.progressShown = false;
    }
  }

  /** The command's result: `text` for people, `value` as one JSON document for scripts. */
  result(text: string | null, value: unknown): void {
    this.clearProgress();
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else if (text !== null) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Problems on stderr in check's format (text mode only: JSON carries them in the result). */
  problems(problems: readonly Problem[]): void {
    this.clearProgress();
    if (this.json || problems.length === 0) return;
    this.stderr.write(`${problems.map(formatProblem).join('\n')}\n`);
  }

  note(message: string): void {
    this.clearProgress();
    if (!this.json) this.stderr.write(`${message}\n`);
  }

  /** Reports a failure and returns the exit code for it. */
  fail(cause: unknown): number {
    this.clearProgress();
    if (isPackError(cause)) {
      if (this.json) {
        this.stdout.write(`${JSON.stringify({ ok: false, error: { code: cause.code, message: cause.message, problems: cause.problems } }, null, 2)}\n`);
      } else {
        this.stderr.write(`weft-pack: ${cause.message}\n`);
        const errors = cause.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0) this.stderr.write(`${errors.map(formatProblem).join('\n')}\n`);
      }
      return EXIT_FAILED;
    }
    const error = cause instanceof Error ? cause : new Error(String(cause));
    if (this.json) this.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'UNEXPECTED', message: error.message } }, null, 2)}\n`);
    else this.stderr.write(`weft-pack: unexpected error: ${error.stack ?? error.message}\n`);
    return EXIT_FAILED;
  }
}
