// The app's data quota ([limits] data_max_mb under the user's ceiling): /data's size measured when the session opens it, every byte a write adds counted, writes past the quota refused.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const MIB = 1024 * 1024;

/** Bytes of regular files under `dir`, symlinks not followed. */
export function measureDir(dir: string): number {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(current, name);
      const info = lstatSync(path, { throwIfNoEntry: false });
      if (!info) continue;
      if (info.isDirectory()) pending.push(path);
      else if (info.isFile()) total += info.size;
    }
  }
  return total;
}

export class DataQuota {
  #used: number;
  #noted = false;

  constructor(
    readonly limitBytes: number,
    used: number,
    private readonly guest: string,
    private readonly note: (message: string) => void,
  ) {
    this.#used = used;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` more, or returns false (and says so once on stderr) when that would pass the quota. */
  take(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.#used + bytes > this.limitBytes) {
      if (!this.#noted) {
        this.#noted = true;
        this.note(
          `data quota: ${this.guest} holds ${(this.#used / MIB).toFixed(1)} MiB and a write of ${bytes} bytes would pass its quota of ${this.limitBytes / MIB} MiB ([limits] data_max_mb, capped by WEFT_MAX_DATA_MB); the write fails with a quota error`,
        );
      }
      return false;
    }
    this.#used += bytes;
    return true;
  }

  /** Gives back bytes freed (a file removed or shrunk). */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - Math.max(0, bytes));
  }
}
