// Hand-written MessagePack byte sequences that lie: headers whose lengths, counts or ext types do not match what follows.
import fc from 'fast-check';

const u8 = (n: number) => [n & 0xff];
const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** One msgpack header with an arbitrary (usually wrong) length or count, followed by a few random bytes. */
const lyingHeader: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.constantFrom(
      // str8/16/32, bin8/16/32, array16/32, map16/32, ext8/16/32, fixext1..16
      0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6, 0xdc, 0xdd, 0xde, 0xdf, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
    ),
    fc.oneof(fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff), fc.nat()),
    fc.integer({ min: -128, max: 127 }),
    fc.uint8Array({ maxLength: 24 }),
  )
  .map(([tag, n, extType, tail]) => {
    const head: number[] = [tag];
    if (tag === 0xd9 || tag === 0xc4) head.push(...u8(n));
    else if (tag === 0xda || tag === 0xc5 || tag === 0xdc || tag === 0xde) head.push(...be16(n));
    else if (tag === 0xdb || tag === 0xc6 || tag === 0xdd || tag === 0xdf) head.push(...be32(n));
    else if (tag === 0xc7) head.push(...u8(n), extType & 0xff);
    else if (tag === 0xc8) head.push(...be16(n), extType & 0xff);
    else if (tag === 0xc9) head.push(...be32(n), extType & 0xff);
    else head.push(extType & 0xff); // fixext: the type byte, then a fixed-size payload (maybe missing)
    return [...head, ...tail];
  });

/** Odd but well-formed scalars: -1 timestamps, uint64 max, float NaN, the never-used byte 0xc1. */
const oddScalar: fc.Arbitrary<number[]> = fc.constantFrom(
  [0xc1],
  [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
  [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
  [0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0],
  [0xd6, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xc7, 12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xd4, 0x01, 0x00],
  [0xa3, 0xed, 0xa0, 0x80], // a str holding a lone UTF-16 surrogate (CESU), invalid UTF-8
  [0xa2, 0xc3, 0x28],
);

/** A map or array whose header promises more items than the body holds, or keys that are not strings. */
const container: fc.Arbitrary<number[]> = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.array(fc.oneof(lyingHeader, oddScalar), { maxLength: 4 }), fc.boolean())
  .map(([count, items, asMap]) => [(asMap ? 0x80 : 0x90) | count, ...items.flat()]);

/** A request-looking map `{type: <name>, ...}` whose field values are lying headers. */
const lyingRequest: fc.Arbitrary<number[]> = fc
  .tuple(
    fc.constantFrom('LAUNCH_APP', 'TERMINATE_APP', 'IPC_FORWARD', 'QUERY_APP_STATE', 'PANEL_GESTURE', 'QUERY_SESSION'),
    fc.constantFrom('app_id', 'session_id', 'payload', 'surface_id', 'dx', 'type'),
    fc.oneof(lyingHeader, oddScalar),
  )
  .map(([type, field, value]) => {
    const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];
    return [0x82, ...str('type'), ...str(type), ...str(field), ...value];
  });

/** Nesting `depth` levels deep (arrays or single-key maps), closed with nil: stresses recursive decoders. */
export const deepNesting: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 64, max: 2_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 100_000 }) }), fc.boolean())
  .map(([depth, maps]) => {
    if (!maps) return Uint8Array.from([...new Array<number>(depth).fill(0x91), 0xc0]);
    const out = new Uint8Array(depth * 3 + 1);
    for (let i = 0; i < depth; i++) out.set([0x81, 0xa1, 0x6b], i * 3);
    out[depth * 3] = 0xc0;
    return out;
  });

/** Any of the lying byte shapes above, concatenated. */
export const lyingMsgpack: fc.Arbitrary<Uint8Array> = fc
  .array(fc.oneof(lyingHeader, oddScalar, container, lyingRequest), { minLength: 1, maxLength: 4 })
  .map((parts) => Uint8Array.from(parts.flat()));
