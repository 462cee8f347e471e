// Host errno codes mapped to the wasi:filesystem error codes the app sees, for the calls the guard makes itself.

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

/** The wasi:filesystem error code (a plain string, as preview2-shim throws them) for a host error. */
export function fsErrorCode(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined && CODES[code]) || 'io';
}
