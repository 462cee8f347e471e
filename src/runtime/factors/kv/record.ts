// The kv log's record format: framing with a CRC so a torn or foreign tail is recognised, and the set / delete / moved payloads.
import { crc32 } from 'node:zlib';

/** "WKV1": marks the start of each record so a reader can find the next one after a torn record. */
const MAGIC = 0x57_4b_56_31;
/** magic u32 | payload length u32 | crc32 of the payload u32, all big-endian. */
export const HEADER_BYTES = 12;
/** Larger than any legal payload (1 MiB value + 1 KiB key + fields), so a corrupt length is seen as one. */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

const OP_SET = 1;
const OP_DELETE = 2;
const OP_MOVED = 3;

/** A set or delete carries the writer's nonce, so the writer can find its own record when it reads the log back. */
export type Record =
  | { op: 'set'; nonce: bigint; key: string; value: Buffer }
  | { op: 'delete'; nonce: bigint; key: string }
  /** The log is closed: everything after this record belongs in generation `generation`. */
  | { op: 'moved'; generation: number };

export function encodeRecord(record: Record): Buffer {
  let payload: Buffer;
  if (record.op === 'moved') {
    payload = Buffer.alloc(5);
    payload.writeUInt8(OP_MOVED, 0);
    payload.writeUInt32BE(record.generation, 1);
  } else {
    const key = Buffer.from(record.key, 'utf8');
    const value = record.op === 'set' ? record.value : Buffer.alloc(0);
    payload = Buffer.alloc(1 + 8 + 4 + key.length + value.length);
    payload.writeUInt8(record.op === 'set' ? OP_SET : OP_DELETE, 0);
    payload.writeBigUInt64BE(record.nonce, 1);
    payload.writeUInt32BE(key.length, 9);
    key.copy(payload, 13);
    value.copy(payload, 13 + key.length);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(payload.length, 4);
  header.writeUInt32BE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

function decodePayload(payload: Buffer): Record | null {
  const op = payload.readUInt8(0);
  if (op === OP_MOVED) return payload.length === 5 ? { op: 'moved', generation: payload.readUInt32BE(1) } : null;
  if ((op !== OP_SET && op !== OP_DELETE) || payload.length < 13) return null;
  const nonce = payload.readBigUInt64BE(1);
  const keyLength = payload.readUInt32BE(9);
  if (13 + keyLength > payload.length) return null;
  const key = payload.subarray(13, 13 + keyLength).toString('utf8');
  if (op === OP_DELETE) return { op: 'delete', nonce, key };
  return { op: 'set', nonce, key, value: Buffer.from(payload.subarray(13 + keyLength)) };
}

/** The whole record at `at`, or null when the bytes there are not one (torn, corrupt, or still being written). */
export function recordAt(bytes: Buffer, at: number): { record: Record; end: number } | null {
  if (bytes.length - at < HEADER_BYTES || bytes.readUInt32BE(at) !== MAGIC) return null;
  const length = bytes.readUInt32BE(at + 4);
  if (length === 0 || length > MAX_PAYLOAD_BYTES || at + HEADER_BYTES + length > bytes.length) return null;
  const payload = bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
  if (crc32(payload) !== bytes.readUInt32BE(at + 8)) return null;
  const record = decodePayload(payload);
  return record ? { record, end: at + HEADER_BYTES + length } : null;
}

/**
 * Where reading resumes after the bad bytes at `at`: the next offset holding a whole record, or
 * null when none follows. A torn record is followed by a whole one only when a later write landed
 * after a crash; with nothing whole after it, the bytes may be a write still in progress, so the
 * reader waits there.
 */
export function resyncAfter(bytes: Buffer, at: number): number | null {
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(MAGIC, 0);
  for (let next = bytes.indexOf(magic, at + 1); next >= 0; next = bytes.indexOf(magic, next + 1)) {
    if (recordAt(bytes, next)) return next;
  }
  return null;
}
