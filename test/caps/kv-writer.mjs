// A kv write loop for the durability tests: sets self-checking values and prints "ACK <key> <seq>" only after set() returned (the value is on disk).
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { KvStore } from '../../dist/runtime/factors/kv/store.js';

const [dir, writer, startText, keysText] = process.argv.slice(2);
const store = new KvStore(dir, 64 * 1024 * 1024);
const keys = Number(keysText);
for (let seq = Number(startText); ; seq++) {
  const key = `${writer}/${seq % keys}`;
  // 1-40 KiB, so records straddle page boundaries and the log reaches the compaction size.
  const body = Buffer.alloc(1024 * (1 + (seq % 40)), seq % 251);
  const digest = createHash('sha256').update(body).digest('hex');
  store.set(key, Buffer.concat([Buffer.from(`${seq} ${digest} `), body]));
  writeSync(1, `ACK ${key} ${seq}\n`);
}
