// The lowercase hex SHA-256 of some bytes or a string: the one content hash weft records, checks and names cached files by.
import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
