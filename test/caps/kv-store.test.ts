// The kv engine through real processes: kill -9 during write loops loses no acknowledged write and tears no value; two stores on one directory see each other's writes; torn tails, quotas and paging.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KvStore } from '../../src/runtime/factors/kv/store.js';

const WRITER = join(import.meta.dirname, 'kv-writer.mjs');
const root = mkdtempSync(join(tmpdir(), 'weft-kv-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function freshDir(): string {
  return join(root, `store-${dirs++}`);
}

/** Runs a writer until it has acknowledged `minAcks` writes plus a random extra time, then kills it with SIGKILL; returns its ACK lines. */
async function writeThenKill(dir: string, writer: string, start: number, keys: number, minAcks: number): Promise<{ key: string; seq: number }[]> {
  const child = spawn(process.execPath, [WRITER, dir, writer, String(start), String(keys)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const acks = (): number => text.split('\n').length - 1;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (acks() >= minAcks) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  return text
    .split('\n')
    .filter((line) => line.startsWith('ACK '))
    .map((line) => {
      const [, key, seq] = line.split(' ');
      return { key: key as string, seq: Number(seq) };
    });
}

/** The sequence number a stored value carries, after checking that it is whole. */
function checkedSeq(value: Buffer): number {
  const text = value.subarray(0, 80).toString('latin1');
  const [seqText, digest] = text.split(' ');
  const header = `${seqText} ${digest} `;
  const body = value.subarray(header.length);
  expect(createHash('sha256').update(body).digest('hex')).toBe(digest);
  expect(body.length).toBe(1024 * (1 + (Number(seqText) % 40)));
  return Number(seqText);
}

describe('kv store durability', () => {
  it('keeps every acknowledged write and tears no value across repeated kill -9 of two concurrent writers, compaction included', async () => {
    const dir = freshDir();
    const lastAck = new Map<string, number>();
    const next = { a: 0, b: 0 };
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all(
        (['a', 'b'] as const).map((writer) => writeThenKill(dir, writer, next[writer], 20, 20 + Math.floor(Math.random() * 60))),
      );
      for (const [index, acks] of results.entries()) {
        const writer = index === 0 ? 'a' : 'b';
        for (const { key, seq } of acks) lastAck.set(key, Math.max(lastAck.get(key) ?? -1, seq));
        // The next round starts past anything the killed writer may have written unacknowledged.
        next[writer] = (acks.at(-1)?.seq ?? next[writer]) + 2;
      }
      const store = new KvStore(dir, 64 * 1024 * 1024);
      for (const [key, seq] of lastAck) {
        const value = store.get(key);
        expect(value, `${key} (acknowledged seq ${seq})`).toBeDefined();
        expect(checkedSeq(value as Buffer)).toBeGreaterThanOrEqual(seq);
      }
      store.close();
    }
    // 12 rounds of 20-80 writes of up to 40 KiB over 40 keys pass the 4 MiB compaction size.
    expect(readdirSync(dir).some((name) => name !== 'kv-0.log' && name.endsWith('.log'))).toBe(true);
  }, 120_000);

  it('two stores on one directory (two sessions) see each other’s committed writes', () => {
    const dir = freshDir();
    const one = new KvStore(dir, 1024 * 1024);
    const two = new KvStore(dir, 1024 * 1024);
    one.set('greeting', Buffer.from('hello'));
    expect(two.get('greeting')?.toString()).toBe('hello');
    two.delete('greeting');
    expect(one.get('greeting')).toBeUndefined();
    two.set('x', Buffer.from([0, 255, 1]));
    expect([...(one.get('x') ?? [])]).toEqual([0, 255, 1]);
    one.close();
    two.close();
  });

  it('ignores a torn tail, and keeps reading records appended after it', () => {
    const dir = freshDir();
    const first = new KvStore(dir, 1024 * 1024);
    first.set('kept', Buffer.from('yes'));
    first.close();
    // Half a record: a header claiming 100 bytes, and 3 of them.
    appendFileSync(join(dir, 'kv-0.log'), Buffer.from([0x57, 0x4b, 0x56, 0x31, 0, 0, 0, 100, 1, 2, 3, 4, 9, 9, 9]));
    const second = new KvStore(dir, 1024 * 1024);
    expect(second.get('kept')?.toString()).toBe('yes');
    second.set('after', Buffer.from('torn'));
    second.close();
    const third = new KvStore(dir, 1024 * 1024);
    expect(third.get('after')?.toString()).toBe('torn');
    expect(third.get('kept')?.toString()).toBe('yes');
    third.close();
  });

  it('refuses a write past the quota with the documented error, and accepts it again after a delete', () => {
    const store = new KvStore(freshDir(), 1000);
    store.set('a', Buffer.alloc(600));
    expect(() => store.set('b', Buffer.alloc(600))).toThrow(
      'kv: quota exceeded: the store would hold 1202 bytes of keys and values, over its 1000-byte quota (WEFT_KV_MAX_MB); delete keys first',
    );
    store.delete('a');
    store.set('b', Buffer.alloc(600));
    expect(store.get('b')?.length).toBe(600);
    store.close();
  });

  it('rejects empty and oversized keys, oversized values and bad limits with specific errors', () => {
    const store = new KvStore(freshDir(), 4 * 1024 * 1024);
    expect(() => store.set('', Buffer.alloc(1))).toThrow('kv: a key is 1-1024 bytes of UTF-8; this one is 0');
    expect(() => store.get('k'.repeat(1025))).toThrow('kv: a key is 1-1024 bytes of UTF-8; this one is 1025');
    expect(() => store.set('k', Buffer.alloc(1024 * 1024 + 1))).toThrow('kv: a value is at most 1048576 bytes (1 MiB); this one is 1048577');
    expect(() => store.listKeys('', null, 0)).toThrow('kv: list-keys limit must be 1-1000, not 0');
    store.close();
  });

  it('lists keys by prefix in byte order, a page at a time', () => {
    const store = new KvStore(freshDir(), 1024 * 1024);
    for (const key of ['user/3', 'user/1', 'other', 'user/2', 'user/10']) store.set(key, Buffer.from(key));
    const first = store.listKeys('user/', null, 2);
    expect(first).toEqual({ keys: ['user/1', 'user/10'], nextCursor: 'user/10' });
    const second = store.listKeys('user/', first.nextCursor, 2);
    expect(second).toEqual({ keys: ['user/2', 'user/3'], nextCursor: null });
    store.close();
  });
});
