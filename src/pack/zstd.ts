// Runs the zstd program (Node 20's zlib has no zstd): decompress a file to a stream, or compress a stream into a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { PackError } from './errors.js';

export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

function missingTool(): PackError {
  return new PackError('MISSING_TOOL', 'weft-pack needs the zstd program for .tar.zst bundles and it is not on PATH; install it (Debian/Ubuntu: apt-get install zstd)');
}

export interface ZstdProcess {
  child: ChildProcess;
  /** Settles when the process exits: its code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** zstd's stderr so far (capped), for error messages. */
  stderr(): string;
}

function run(args: string[], stdio: Array<'pipe' | 'ignore' | number>): ZstdProcess {
  const child = spawn(process.env.WEFT_ZSTD ?? 'zstd', args, { stdio: stdio as ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (cause: NodeJS.ErrnoException) => reject(cause.code === 'ENOENT' ? missingTool() : cause));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // Callers await `exited` later; keep an early spawn failure from being reported as unhandled meanwhile.
  exited.catch(() => {});
  return { child, exited, stderr: () => stderr.trim() };
}

/** `zstd -dc <file>`: the decompressed bytes on child.stdout. */
export function decompressFile(path: string): ZstdProcess {
  return run(['-d', '-c', '-q', '--', path], ['ignore', 'pipe', 'pipe']);
}

/** `zstd -c` from child.stdin into an open file descriptor. */
export function compressToFd(fd: number): ZstdProcess {
  return run(['-q', '-c', '-T0'], ['pipe', fd, 'pipe']);
}
