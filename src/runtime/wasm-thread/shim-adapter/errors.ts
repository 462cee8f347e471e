// How a host function hands jco an error result, as preview2-shim does: wasi:filesystem codes as plain strings, variants as { tag }, wasi:io errors as objects carrying a payload; and host errno codes mapped to filesystem codes.

/**
 * What jco lowers as the WIT `err` result of a host function that throws `thrown` (its
 * getErrorPayload): a value with an own `payload` property gives that payload, any other non-Error
 * value is the payload itself, and an Error without `payload` is no error result but a failure
 * (null here: it propagates to the app's caller as a trap). weft's host functions throw only the
 * first two kinds for results the app should see.
 */
export function errPayload(thrown: unknown): { payload: unknown } | null {
  if (thrown !== null && typeof thrown === 'object' && Object.prototype.hasOwnProperty.call(thrown, 'payload')) return { payload: (thrown as { payload: unknown }).payload };
  if (thrown instanceof Error) return null;
  return { payload: thrown };
}

/** wasi:io/streams' `stream-error::closed`, thrown when the other end is gone. */
export const STREAM_CLOSED = { tag: 'closed' } as const;

/** wasi:http's `error-code::HTTP-request-denied`, thrown for a request the host refuses to send. */
export const HTTP_REQUEST_DENIED = { tag: 'HTTP-request-denied' } as const;

/**
 * wasi:io/error's `error` resource, shaped as preview2-shim's (its own `payload` is what jco
 * lowers, `toDebugString` what the app reads), for sessions that run without the shim's I/O side.
 */
export class IoError extends Error {
  constructor(readonly payload: unknown) {
    super(String(payload));
  }
  toDebugString(): string {
    return this.message;
  }
}

/** Host errno codes mapped to the wasi:filesystem error codes the app sees, for the calls weft makes itself. */
const CODES: Record<string, string> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EDQUOT: 'quota',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  ENAMETOOLONG: 'name-too-long',
  ENOENT: 'no-entry',
  ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTSUP: 'unsupported',
  EPERM: 'not-permitted',
  EROFS: 'read-only',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
};

/** The wasi:filesystem error code (a plain string, as preview2-shim throws them and jco lowers them) for a host error. */
export function fsErrorCode(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined && CODES[code]) || 'io';
}
