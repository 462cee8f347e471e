// Walks a MessagePack body without building it, so a small hostile frame cannot make the decoder allocate far more than it sent.

export interface ShapeLimits {
  maxNesting: number;
  maxValues: number;
}

/**
 * What a request may hold. WEFT's requests are flat maps or arrays of scalars; 32 levels and 65,536
 * values leave room for clients that add fields, while a decoded frame stays within a few MiB.
 * Without the guard a 6-byte `array32` header claiming 16 million items makes @msgpack/msgpack
 * allocate 128 MiB, and a 4 MiB frame of empty arrays decodes to 160 MiB in 330 ms of blocked
 * event loop.
 */
export const REQUEST_SHAPE: ShapeLimits = { maxNesting: 32, maxValues: 65_536 };
/** What appd's responses may hold: lists of sessions or apps can be long, so only the nesting and the lying-header checks apply. */
export const RESPONSE_SHAPE: ShapeLimits = { maxNesting: 32, maxValues: Number.MAX_SAFE_INTEGER };
export const MAX_NESTING = REQUEST_SHAPE.maxNesting;
export const MAX_VALUES = REQUEST_SHAPE.maxValues;

/** A scalar's header size after its tag byte, and how many payload bytes follow the header. */
type Scalar = { header: number; payload: (view: DataView, at: number) => number };

const fixed = (header: number, payload = 0): Scalar => ({ header, payload: () => payload });
const u8Len = (extra = 0): Scalar => ({ header: 1 + extra, payload: (v, at) => v.getUint8(at) });
const u16Len = (extra = 0): Scalar => ({ header: 2 + extra, payload: (v, at) => v.getUint16(at) });
const u32Len = (extra = 0): Scalar => ({ header: 4 + extra, payload: (v, at) => v.getUint32(at) });

const SCALARS: ReadonlyMap<number, Scalar> = new Map<number, Scalar>([
  [0xc0, fixed(0)], [0xc2, fixed(0)], [0xc3, fixed(0)],
  [0xc4, u8Len()], [0xc5, u16Len()], [0xc6, u32Len()], // bin 8/16/32
  [0xc7, u8Len(1)], [0xc8, u16Len(1)], [0xc9, u32Len(1)], // ext 8/16/32 (+ type byte)
  [0xca, fixed(4)], [0xcb, fixed(8)], // float 32/64
  [0xcc, fixed(1)], [0xcd, fixed(2)], [0xce, fixed(4)], [0xcf, fixed(8)], // uint
  [0xd0, fixed(1)], [0xd1, fixed(2)], [0xd2, fixed(4)], [0xd3, fixed(8)], // int
  [0xd4, fixed(1, 1)], [0xd5, fixed(1, 2)], [0xd6, fixed(1, 4)], [0xd7, fixed(1, 8)], [0xd8, fixed(1, 16)], // fixext
  [0xd9, u8Len()], [0xda, u16Len()], [0xdb, u32Len()], // str 8/16/32
]);

/** How many values a container header at `at` (its first byte `tag`) opens, and its header size; `null` if `tag` is no container. */
function containerAt(view: DataView, at: number, tag: number): { kind: 'array' | 'map'; entries: number; values: number; header: number } | null {
  if (tag >= 0x90 && tag <= 0x9f) return { kind: 'array', entries: tag & 0x0f, values: tag & 0x0f, header: 1 };
  if (tag >= 0x80 && tag <= 0x8f) return { kind: 'map', entries: tag & 0x0f, values: 2 * (tag & 0x0f), header: 1 };
  if (tag === 0xdc) return { kind: 'array', entries: view.getUint16(at + 1), values: view.getUint16(at + 1), header: 3 };
  if (tag === 0xdd) return { kind: 'array', entries: view.getUint32(at + 1), values: view.getUint32(at + 1), header: 5 };
  if (tag === 0xde) return { kind: 'map', entries: view.getUint16(at + 1), values: 2 * view.getUint16(at + 1), header: 3 };
  if (tag === 0xdf) return { kind: 'map', entries: view.getUint32(at + 1), values: 2 * view.getUint32(at + 1), header: 5 };
  return null;
}

/**
 * Returns why `body` must not be decoded (a container that claims more values than bytes remain,
 * nesting or a value count past `limits`), or null. Truncated or otherwise malformed bodies that
 * cost nothing to reject return null: the decoder then reports them in its own words.
 */
export function findShapeProblem(body: Uint8Array, limits: ShapeLimits = REQUEST_SHAPE): string | null {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const owed: number[] = [1]; // values still to read at each open level; the bottom is the body's one top-level value
  let at = 0;
  let values = 0;
  try {
    while (owed.length > 0) {
      const level = owed.length - 1;
      if (owed[level] === 0) {
        owed.pop();
        continue;
      }
      owed[level] = (owed[level] as number) - 1;
      if (at >= body.byteLength) return null;
      const tag = body[at] as number;
      if (tag <= 0x7f || tag >= 0xe0) {
        at += 1; // positive or negative fixint
        continue;
      }
      if (tag >= 0xa0 && tag <= 0xbf) {
        at += 1 + (tag & 0x1f); // fixstr
        continue;
      }
      const container = containerAt(view, at, tag);
      if (container) {
        const remaining = body.byteLength - at - container.header;
        if (container.values > remaining) {
          return `${container.kind === 'array' ? 'an array' : 'a map'} at byte ${at} declares ${container.entries} ${container.kind === 'map' ? 'entries' : 'items'} but only ${Math.max(remaining, 0)} bytes follow; send the items the header counts`;
        }
        values += container.values;
        if (values > limits.maxValues) return `the body holds more than ${limits.maxValues} values (at byte ${at}); WEFT messages are small maps or arrays`;
        at += container.header;
        if (container.values > 0) {
          if (owed.length > limits.maxNesting) return `the body nests deeper than ${limits.maxNesting} levels (at byte ${at - container.header}); WEFT messages are flat maps or arrays`;
          owed.push(container.values);
        }
        continue;
      }
      const scalar = SCALARS.get(tag);
      if (!scalar) return null; // 0xc1, never used: the decoder names it
      at += 1 + scalar.header + scalar.payload(view, at + 1);
    }
  } catch (error) {
    if (error instanceof RangeError) return null; // a header cut off by the end of the body
    throw error;
  }
  return null;
}
