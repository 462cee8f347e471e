// One app's key-value store: an append-only log per generation (kv-<n>.log) with CRC-framed records, fsynced before a write is acknowledged, shared by all of the app's sessions.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, recordAt, resyncAfter, type Record } from './record.js';

export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
export const MAX_LIST_LIMIT = 1000;
/** Compaction starts once a log is this big and mostly dead records. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

/** A rejected request: the message goes to the app as the WIT error string. */
export class KvError extends Error {}

const LOG_NAME = /^kv-(\d{1,9})\.log$/;

function logPath(dir: string, generation: number): string {
  return join(dir, `kv-${generation}.log`);
}

function newestGeneration(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const match = LOG_NAME.exec(name);
    if (match) newest = Math.max(newest, Number(match[1]));
  }
  return newest;
}

/** A compaction builder writes its temp file within seconds; one older than this was left by a killed builder. */
const STALE_TEMP_MS = 10 * 60 * 1000;

function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!/^\.kv-\d+\..*\.tmp$/.test(name)) continue;
    try {
      if (Date.now() - statSync(join(dir, name)).mtimeMs > STALE_TEMP_MS) unlinkSync(join(dir, name));
    } catch {
      // Removed by another session meanwhile.
    }
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function entryBytes(key: string, value: Buffer): number {
  return Buffer.byteLength(key, 'utf8') + value.length;
}

/**
 * Writers append with O_APPEND (the kernel serialises appends to one file), fsync, then read the
 * log back to their own record. Compaction appends a `moved` record and writes the next
 * generation from the records before it; a writer whose record landed after a `moved` appends it
 * again to the next generation. Any reader that meets a `moved` with no next generation on disk
 * builds it (the content is determined by the log, so two builders agree; the first link wins),
 * so a compactor killed half-way never strands the store.
 */
export class KvStore {
  private generation = 0;
  private fd = -1;
  /** Offset in the current log up to which records are applied. */
  private position = 0;
  private readonly entries = new Map<string, Buffer>();
  private liveBytes = 0;
  private fileBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly quotaBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleTemps(dir);
    this.open(newestGeneration(dir));
  }

  get(key: string): Buffer | undefined {
    checkKey(key);
    this.refresh(null);
    return this.entries.get(key);
  }

  set(key: string, value: Buffer): void {
    checkKey(key);
    if (value.length > MAX_VALUE_BYTES) throw new KvError(`kv: a value is at most ${MAX_VALUE_BYTES} bytes (1 MiB); this one is ${value.length}`);
    this.refresh(null);
    const old = this.entries.get(key);
    const after = this.liveBytes - (old ? entryBytes(key, old) : 0) + entryBytes(key, value);
    if (after > this.quotaBytes) {
      throw new KvError(
        `kv: quota exceeded: the store would hold ${after} bytes of keys and values, over its ${this.quotaBytes}-byte quota (WEFT_KV_MAX_MB); delete keys first`,
      );
    }
    this.append({ op: 'set', nonce: 0n, key, value });
  }

  delete(key: string): void {
    checkKey(key);
    this.refresh(null);
    if (this.entries.has(key)) this.append({ op: 'delete', nonce: 0n, key });
  }

  listKeys(prefix: string, cursor: string | null, limit: number): { keys: string[]; nextCursor: string | null } {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new KvError(`kv: list-keys limit must be 1-${MAX_LIST_LIMIT}, not ${limit}`);
    this.refresh(null);
    const matching = [...this.entries.keys()]
      .filter((key) => key.startsWith(prefix) && (cursor === null || Buffer.compare(Buffer.from(key), Buffer.from(cursor)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const keys = matching.slice(0, limit);
    return { keys, nextCursor: matching.length > limit ? (keys[keys.length - 1] as string) : null };
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private open(generation: number): void {
    this.close();
    this.generation = generation;
    this.fd = openSync(logPath(this.dir, generation), 'a+', 0o600);
    this.position = 0;
    this.fileBytes = 0;
    this.entries.clear();
    this.liveBytes = 0;
  }

  /** Appends a record and returns once it is durable and applied in the current generation. */
  private append(record: Record & { op: 'set' | 'delete' }): void {
    const nonce = randomBytes(8).readBigUInt64BE(0);
    const bytes = encodeRecord({ ...record, nonce });
    for (;;) {
      for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written);
      fsyncSync(this.fd);
      // Reads on to our own record; if the log moved on before it, write it again in the new generation.
      if (this.refresh(nonce)) break;
    }
    this.maybeCompact();
  }

  /**
   * Applies records appended since the last call, following `moved` records. With a nonce,
   * returns whether the record carrying it was applied before any `moved` (so it is in every
   * later generation too); a record after a `moved` is never read, as it belongs to no generation.
   */
  private refresh(nonce: bigint | null): boolean {
    let found = false;
    for (;;) {
      const size = fstatSync(this.fd).size;
      if (size <= this.position) return found;
      const bytes = Buffer.alloc(size - this.position);
      for (let read = 0; read < bytes.length; ) {
        const n = readSync(this.fd, bytes, read, bytes.length - read, this.position + read);
        if (n === 0) break;
        read += n;
      }
      let at = 0;
      let moved: number | null = null;
      while (at < bytes.length) {
        const whole = recordAt(bytes, at);
        if (!whole) {
          const next = resyncAfter(bytes, at);
          if (next === null) break;
          at = next;
          continue;
        }
        at = whole.end;
        const r = whole.record;
        if (r.op === 'moved') {
          moved = r.generation;
          break;
        }
        if (nonce !== null && r.nonce === nonce) found = true;
        this.apply(r);
      }
      this.position += at;
      this.fileBytes = Math.max(this.fileBytes, this.position);
      if (moved === null) return found;
      this.follow(moved);
    }
  }

  private apply(record: Record & { op: 'set' | 'delete' }): void {
    const old = this.entries.get(record.key);
    if (old) this.liveBytes -= entryBytes(record.key, old);
    if (record.op === 'set') {
      this.entries.set(record.key, record.value);
      this.liveBytes += entryBytes(record.key, record.value);
    } else {
      this.entries.delete(record.key);
    }
  }

  /** Moves to `generation`, building it from the entries before the `moved` record if nobody has yet. */
  private follow(generation: number): void {
    const target = logPath(this.dir, generation);
    if (newestGeneration(this.dir) < generation) {
      const temp = join(this.dir, `.kv-${generation}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      const fd = openSync(temp, 'wx', 0o600);
      try {
        const chunks = [...this.entries].map(([key, value]) => encodeRecord({ op: 'set', nonce: 0n, key, value }));
        const snapshot = Buffer.concat(chunks);
        for (let written = 0; written < snapshot.length; ) written += writeSync(fd, snapshot, written);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      unlinkSync(temp);
      fsyncDir(this.dir);
      try {
        unlinkSync(logPath(this.dir, this.generation));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // A newer generation than `generation` may already exist; start from the newest and read it whole.
    this.open(newestGeneration(this.dir));
  }

  private maybeCompact(): void {
    if (this.fileBytes < COMPACT_MIN_BYTES || this.fileBytes < 2 * this.liveBytes + COMPACT_MIN_BYTES / 2) return;
    const bytes = encodeRecord({ op: 'moved', generation: this.generation + 1 });
    for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written);
    fsyncSync(this.fd);
    this.refresh(null);
  }
}

function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > MAX_KEY_BYTES) throw new KvError(`kv: a key is 1-${MAX_KEY_BYTES} bytes of UTF-8; this one is ${bytes}`);
}
