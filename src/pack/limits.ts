// Size and count caps for packages and bundles, so a hostile input cannot fill the disk or memory.

export interface PackageLimits {
  /** Total bytes of regular files in a package (unpacked). */
  maxTotalBytes: number;
  /** Files, directories and symlinks in a package. */
  maxEntries: number;
  /** The runtime.module file. */
  maxModuleBytes: number;
}

export const DEFAULT_LIMITS: PackageLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntries: 10_000,
  maxModuleBytes: 64 * 1024 * 1024,
};

export function mebibytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`;
}
