// The frame guard: bodies whose decoded form would dwarf their bytes are refused before decoding; every real request passes.
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/protocol/frame.js';
import { findShapeProblem, MAX_NESTING, MAX_VALUES, RESPONSE_SHAPE } from '../../src/protocol/shape-guard.js';

const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function framed(body: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.byteLength, 0);
  return Buffer.concat([head, body]);
}

describe('findShapeProblem', () => {
  it('passes WEFT requests in both encodings, and any value the decoder can build cheaply', () => {
    expect(findShapeProblem(encode({ type: 'IPC_FORWARD', session_id: 7, payload: 'x'.repeat(70_000) }))).toBeNull();
    expect(findShapeProblem(encode(['LAUNCH_APP', 'org.weft.demo', 0]))).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => findShapeProblem(encode(value)) === null),
      { numRuns: 500 },
    );
  });

  it('refuses a container header that promises more values than bytes follow (a 6-byte frame that would cost 128 MiB)', () => {
    expect(findShapeProblem(Uint8Array.from([0xdd, ...be32(16_777_216), 0xc0]))).toBe(
      'an array at byte 0 declares 16777216 items but only 1 bytes follow; send the items the header counts',
    );
    expect(findShapeProblem(Uint8Array.from([0x81, 0xa1, 0x6b, 0xdf, ...be32(0xffffffff)]))).toMatch(/^a map at byte 3 declares 4294967295 entries but only 0 bytes follow/);
    expect(findShapeProblem(Uint8Array.from([0x9f, 1, 2]))).toMatch(/declares 15 items but only 2 bytes follow/);
  });

  it(`refuses nesting deeper than ${MAX_NESTING} levels, and accepts exactly ${MAX_NESTING}`, () => {
    const nest = (depth: number) => Uint8Array.from([...new Array<number>(depth).fill(0x91), 0xc0]);
    expect(findShapeProblem(nest(MAX_NESTING))).toBeNull();
    expect(findShapeProblem(nest(MAX_NESTING + 1))).toBe(`the body nests deeper than ${MAX_NESTING} levels (at byte ${MAX_NESTING}); WEFT messages are flat maps or arrays`);
    expect(findShapeProblem(nest(100_000))).toMatch(/nests deeper/);
  });

  it(`refuses more than ${MAX_VALUES} values even when every byte is real`, () => {
    const count = MAX_VALUES + 1;
    expect(findShapeProblem(Uint8Array.from([0xdd, ...be32(count), ...new Array<number>(count).fill(0x90)]))).toMatch(new RegExp(`more than ${MAX_VALUES} values`));
    expect(findShapeProblem(Uint8Array.from([0xdd, ...be32(MAX_VALUES), ...new Array<number>(MAX_VALUES).fill(0xc0)]))).toBeNull();
  });

  it('leaves truncated and malformed bodies to the decoder, never throwing', () => {
    for (const body of [[], [0xdd, 0, 0], [0xdb, 0, 0, 0, 9, 0x61], [0xc1], [0xd8, 1], [0x91, 0xc7]]) {
      expect(findShapeProblem(Uint8Array.from(body))).toBeNull();
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (body) => {
      findShapeProblem(body);
      return true;
    }));
  });
});

describe('FrameDecoder with the guard', () => {
  it('lets a client read a long response (a big INSTALLED_APPS list) but still refuses a lying header', () => {
    const apps = Array.from({ length: 12_000 }, (_, i) => ({ app_id: `org.example.app${i}`, name: `App ${i}`, version: '1.0.0' }));
    const response = encode({ type: 'INSTALLED_APPS', apps });
    expect(findShapeProblem(response)).toMatch(/more than 65536 values/);
    const client = new FrameDecoder(RESPONSE_SHAPE);
    const [decoded] = client.push(framed(response));
    expect(decoded).toMatchObject({ ok: true });
    expect(((decoded as { value: { apps: unknown[] } }).value.apps)).toHaveLength(12_000);
    expect(client.push(framed(Uint8Array.from([0xdd, ...be32(16_777_216), 0xc0])))[0]).toMatchObject({ ok: false, error: { code: 'too-complex' } });
  });


  it('answers a refused body per frame and keeps the stream usable', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.concat([framed(Uint8Array.from([0xdd, ...be32(16_777_216), 0xc0])), framed(encode({ type: 'QUERY_RUNNING' }))]));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ ok: false, fatal: false, error: { code: 'too-complex' } });
    expect((frames[0] as { error: Error }).error.message).toMatch(/^frame body refused before decoding: an array at byte 0 declares 16777216 items/);
    expect(frames[1]).toEqual({ ok: true, value: { type: 'QUERY_RUNNING' } });
  });
});
