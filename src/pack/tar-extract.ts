// Unpacks a tar stream into an empty directory, checking every entry before anything is written and refusing the whole archive at the first hostile one.
import { link, mkdir, open, realpath, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { appIdProblem } from '../manifest/app-id.js';
import { mebibytes, type PackageLimits } from './limits.js';
import { ByteCapExceeded, StreamReader } from './stream-reader.js';
import { whereLinkLeads } from './symlink-target.js';
import { BLOCK, decodeHeader, isZeroBlock, paddingAfter, parsePaxRecords, TarFormatError, type TarHeader } from './tar-format.js';

/** Why an archive was refused; the message names the entry and the rule. */
export class BundleRejection extends Error {
  override name = 'BundleRejection';
}

export interface ExtractLimits extends Pick<PackageLimits, 'maxEntries' | 'maxTotalBytes'> {
  /** Pax and GNU long-name records; a path is never this long. */
  maxMetadataBytes: number;
}

export interface ExtractResult {
  /** The single top-level folder (the app id, if the bundle is honest). */
  topLevel: string;
  entries: number;
  bytes: number;
  /** 'marker' when the end-of-archive block was read; 'eof' when the stream just ended (the caller must make sure it was not cut short). */
  endedBy: 'marker' | 'eof';
}

const CONTROL = /[\u0000-\u001f\u007f]/;

const REFUSED_TYPES: Partial<Record<TarHeader['type'], string>> = {
  char: 'a character device',
  block: 'a block device',
  fifo: 'a named pipe (FIFO)',
};

/** Bytes the decompressed stream may hold at most, given the caps: data, one header and padding per entry, metadata. */
export function streamCap(limits: ExtractLimits): number {
  return limits.maxTotalBytes + limits.maxEntries * 3 * BLOCK + 3 * limits.maxMetadataBytes + 64 * BLOCK;
}

/** Splits an entry path into components: strips leading "./", refuses absolute paths and "..". */
function components(raw: string, what: string): string[] {
  if (raw.startsWith('/')) throw new BundleRejection(`${what} "${raw}" is an absolute path; bundle entries must be relative`);
  if (CONTROL.test(raw)) throw new BundleRejection(`${what} ${JSON.stringify(raw)} has a control character in its name`);
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new BundleRejection(`${what} "${raw}" contains ".."; bundle entries must stay inside the bundle's folder`);
  return parts;
}

export async function extractTar(source: AsyncIterator<Buffer>, dest: string, limits: ExtractLimits): Promise<ExtractResult> {
  const reader = new StreamReader(source, streamCap(limits));
  /** Every path written so far (joined components) and what it is. */
  const written = new Map<string, 'file' | 'dir' | 'symlink'>();
  let topLevel: string | null = null;
  let entries = 0;
  let bytes = 0;
  let endedBy: ExtractResult['endedBy'] = 'eof';
  let pending: { path?: string; linkpath?: string; size?: number } = {};
  const symlinks: Array<{ path: string; target: string }> = [];

  const readData = async (size: number, what: string): Promise<Buffer> => {
    if (size > limits.maxMetadataBytes) throw new BundleRejection(`a ${what} record of ${size} bytes is over the ${limits.maxMetadataBytes}-byte limit`);
    const got = await reader.read(size + paddingAfter(size));
    if (got.bytes === null) throw new BundleRejection(`the archive is truncated inside a ${what} record`);
    return got.bytes.subarray(0, size);
  };

  const ensureParents = async (parts: readonly string[], entryPath: string): Promise<void> => {
    for (let depth = 1; depth < parts.length; depth++) {
      const parent = parts.slice(0, depth).join('/');
      const kind = written.get(parent);
      if (kind === 'symlink') throw new BundleRejection(`entry "${entryPath}" goes through the symlink "${parent}"; entries may not be written through symlinks`);
      if (kind === 'file') throw new BundleRejection(`entry "${entryPath}" is inside "${parent}", which is a file`);
      if (kind === undefined) {
        await mkdir(join(dest, parent), { mode: 0o755 });
        written.set(parent, 'dir');
      }
    }
  };

  try {
    for (;;) {
      const got = await reader.read(BLOCK);
      if (got.bytes === null) {
        if (got.partial) throw new BundleRejection('the archive is truncated (it ends inside a header block)');
        break; // no end-of-archive marker: GNU tar accepts that too
      }
      if (isZeroBlock(got.bytes)) {
        endedBy = 'marker';
        break;
      }
      let header: TarHeader;
      try {
        header = decodeHeader(got.bytes);
      } catch (cause) {
        throw new BundleRejection(`entry #${entries + 1}: ${(cause as Error).message}`);
      }
      if (header.type === 'pax' || header.type === 'pax-global') {
        const records = parsePaxRecords(await readData(header.size, 'pax header'));
        if (header.type === 'pax') {
          const path = records.get('path');
          const linkpath = records.get('linkpath');
          if (path !== undefined) pending.path = path;
          if (linkpath !== undefined) pending.linkpath = linkpath;
          const size = records.get('size');
          if (size !== undefined) {
            pending.size = Number(size);
            if (!Number.isSafeInteger(pending.size) || pending.size < 0) throw new BundleRejection('a pax header has a malformed size');
          }
        }
        continue;
      }
      if (header.type === 'gnu-longname' || header.type === 'gnu-longlink') {
        const text = (await readData(header.size, 'GNU long name')).toString('utf8').replace(/\0+$/, '');
        if (header.type === 'gnu-longname') pending.path = text;
        else pending.linkpath = text;
        continue;
      }
      const rawPath = pending.path ?? header.path;
      const rawLink = pending.linkpath ?? header.linkname;
      if (pending.size !== undefined) header.size = pending.size;
      pending = {};

      entries++;
      if (entries > limits.maxEntries) throw new BundleRejection(`the archive has more than ${limits.maxEntries} entries; the limit is ${limits.maxEntries}`);
      const refused = REFUSED_TYPES[header.type];
      if (refused) throw new BundleRejection(`entry "${rawPath}" is ${refused}; a bundle may hold only files, directories and symlinks`);
      if (header.type === 'unknown') throw new BundleRejection(`entry "${rawPath}" has tar type '${header.flag}', which weft-pack does not unpack (sparse, multi-volume or vendor entries are not allowed)`);

      const parts = components(rawPath, 'entry');
      if (parts.length === 0) {
        if (header.type === 'dir') continue; // "./" itself
        throw new BundleRejection(`entry "${rawPath}" has an empty path`);
      }
      const top = parts[0] as string;
      if (topLevel === null) {
        const idProblem = appIdProblem(top);
        if (idProblem) throw new BundleRejection(`the top-level folder "${top}" is not an app id (${idProblem}); a bundle holds one folder named after package.id`);
        topLevel = top;
      } else if (top !== topLevel) {
        throw new BundleRejection(`the archive has more than one top-level entry ("${topLevel}" and "${top}"); a bundle holds exactly one folder, named after package.id`);
      }
      if (parts.length === 1 && header.type !== 'dir') {
        throw new BundleRejection(`the top-level entry "${top}" is ${header.type === 'symlink' ? 'a symlink' : 'a file'}, not a folder`);
      }
      const path = parts.join('/');
      const existing = written.get(path);
      if (existing !== undefined && !(existing === 'dir' && header.type === 'dir')) {
        throw new BundleRejection(`entry "${path}" appears more than once in the archive`);
      }
      await ensureParents(parts, path);
      const target = join(dest, path);

      if (header.type === 'dir') {
        if (existing === undefined) {
          await mkdir(target, { mode: 0o755 });
          written.set(path, 'dir');
        }
      } else if (header.type === 'symlink') {
        if (rawLink === '') throw new BundleRejection(`symlink "${path}" has an empty target`);
        if (rawLink.startsWith('/')) throw new BundleRejection(`symlink "${path}" points to the absolute path "${rawLink}"; symlinks must be relative and stay inside the bundle's folder`);
        if (CONTROL.test(rawLink)) throw new BundleRejection(`symlink "${path}" has a control character in its target`);
        // Resolve the target against the link's own folder; it must not climb above the top folder.
        const resolved = parts.slice(0, -1);
        for (const part of rawLink.split('/')) {
          if (part === '' || part === '.') continue;
          if (part === '..') {
            resolved.pop();
            if (resolved.length === 0) throw new BundleRejection(`symlink "${path}" → "${rawLink}" leads outside the bundle's folder`);
          } else {
            resolved.push(part);
          }
        }
        await symlink(rawLink, target);
        written.set(path, 'symlink');
        symlinks.push({ path, target: rawLink });
      } else if (header.type === 'hardlink') {
        const linkParts = components(rawLink, `hard link target of "${path}"`);
        const linkPath = linkParts.join('/');
        if (linkParts[0] !== topLevel) throw new BundleRejection(`hard link "${path}" → "${rawLink}" leads outside the bundle's folder`);
        if (written.get(linkPath) !== 'file') throw new BundleRejection(`hard link "${path}" → "${rawLink}" does not point to a file earlier in the archive`);
        await link(join(dest, linkPath), target);
        written.set(path, 'file');
      } else {
        bytes += header.size;
        if (bytes > limits.maxTotalBytes) {
          throw new BundleRejection(`the archive unpacks to more than ${mebibytes(limits.maxTotalBytes)} (entry "${path}" alone is ${header.size} bytes); the limit is ${mebibytes(limits.maxTotalBytes)}`);
        }
        const handle = await open(target, 'wx', (header.mode & 0o111) !== 0 ? 0o755 : 0o644);
        written.set(path, 'file');
        try {
          const complete = await reader.forward(header.size, async (chunk) => {
            await handle.write(chunk);
          });
          if (!complete) throw new BundleRejection(`the archive is truncated inside "${path}"`);
        } finally {
          await handle.close();
        }
        if (!(await reader.skip(paddingAfter(header.size)))) throw new BundleRejection(`the archive is truncated after "${path}"`);
      }
    }
  } catch (cause) {
    if (cause instanceof ByteCapExceeded) {
      throw new BundleRejection(`the archive decompresses to more than ${cause.cap} bytes, more than the size and entry limits allow (a decompression bomb?)`);
    }
    if (cause instanceof TarFormatError) throw new BundleRejection(cause.message);
    throw cause;
  }
  if (topLevel === null) throw new BundleRejection('the archive is empty; a bundle holds one folder named after package.id');
  // The per-entry check is lexical; a target can still climb out through another symlink (dangling
  // or not), so follow each the way the kernel will.
  const topReal = await realpath(join(dest, topLevel));
  for (const { path, target } of symlinks) {
    const end = await whereLinkLeads(topReal, path.slice(topLevel.length + 1));
    if (end.leads === 'loop') throw new BundleRejection(`symlink "${path}" → "${target}" cannot be resolved (ELOOP: it goes through more than 40 symlinks; a symlink loop?)`);
    if (end.leads === 'outside') {
      const how = end.dangling ? ' (its target does not exist yet, but would be outside once it did)' : ' through another symlink';
      throw new BundleRejection(`symlink "${path}" → "${target}" leads outside the bundle's folder${how}; symlinks must stay inside the bundle's folder`);
    }
  }
  return { topLevel, entries, bytes, endedBy };
}
