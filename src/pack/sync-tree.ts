// fsyncs files and directories so a crash after commit cannot leave the store pointing at data still in the page cache.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every regular file and directory under `dir` (symlinks are not followed), then `dir` itself. */
export async function syncTree(dir: string, options: { recursive?: boolean } = {}): Promise<void> {
  if (options.recursive !== false) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await syncTree(path);
      else if (entry.isFile()) await syncPath(path);
    }
  }
  await syncPath(dir);
}
