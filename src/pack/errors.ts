// The one error type weft-pack operations throw: a stable code for programs, a message that says what to do for people.
import type { Problem } from '../manifest/problem.js';

export type PackErrorCode =
  /** `weft-pack check` found errors (listed in `problems`). */
  | 'INVALID_PACKAGE'
  | 'ALREADY_INSTALLED'
  | 'NOT_INSTALLED'
  | 'SIGNATURE_REQUIRED'
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED_SIGNATURE'
  | 'BAD_KEY'
  /** A bundle was refused before or while unpacking. */
  | 'BUNDLE_REJECTED'
  | 'PRECOMPILE_FAILED'
  /** A program weft-pack shells out to (zstd) is missing. */
  | 'MISSING_TOOL'
  | 'BAD_SOURCE'
  | 'EXISTS';

export class PackError extends Error {
  constructor(
    readonly code: PackErrorCode,
    message: string,
    /** For INVALID_PACKAGE: every problem found, errors and warnings. */
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = 'PackError';
  }
}

export function isPackError(value: unknown): value is PackError {
  return value instanceof PackError;
}
