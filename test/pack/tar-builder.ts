// bundle.test's entry vocabulary (path + type flag, as a tar header spells them) over the tests' one tar writer.
import { writeFile } from 'node:fs/promises';
import { tar as writeTar, zstd } from '../support/tar.js';

export { paxData, writeZstdStream } from '../support/tar.js';

export interface RawEntry {
  path: string;
  /** Tar type flag: '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev, '5' dir, '6' fifo, 'x' pax, 'S' sparse… */
  flag: string;
  data?: Buffer;
  /** Header size when it should differ from data (a lying header). */
  size?: number;
  linkname?: string;
  mode?: number;
  /** Break the checksum. */
  badChecksum?: boolean;
}

/** A tar stream: each entry's header and padded data, then two zero blocks unless `end` is false. */
export function tar(entries: readonly RawEntry[], options: { end?: boolean } = {}): Buffer {
  return writeTar(
    entries.map(({ path, flag, ...rest }) => ({ kind: 'header' as const, name: path, type: flag, mtime: 1_700_000_000, ...rest })),
    options.end !== false,
  );
}

export async function writeZstd(path: string, data: Buffer): Promise<void> {
  await writeFile(path, zstd(data));
}
