// fast-check arbitraries for daemon frames: random bodies, request-shaped junk, mutated valid requests (map and WEFT array encodings).
import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { REQUEST_FIELDS, type RequestType } from '../../../src/protocol/messages.js';
import { deepNesting, lyingMsgpack } from './msgpack-bytes.js';

export const MAX_BODY = 4 * 1024 * 1024;
const TYPES = Object.keys(REQUEST_FIELDS) as RequestType[];
const FIELD_NAMES = [...new Set(Object.values(REQUEST_FIELDS).flatMap((fields) => fields.map(([name]) => name)))];

/** A length-prefixed frame around `body` (the prefix may be overridden to lie). */
export function frame(body: Uint8Array, length = body.byteLength): Buffer {
  const out = Buffer.allocUnsafe(4 + body.byteLength);
  out.writeUInt32LE(length >>> 0, 0);
  out.set(body, 4);
  return out;
}

/** WEFT's rmp_serde encoding: `[type, field…]` in declaration order. */
export function compact(request: Record<string, unknown>): unknown[] {
  const type = request.type as RequestType;
  return [type, ...REQUEST_FIELDS[type].map(([name]) => request[name])];
}

/** Values @msgpack/msgpack can encode, including the awkward ones (NaN, -0, huge ints, binary, lone surrogates). */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 64, Number.NaN, Infinity, -Infinity, -0, 0.5, 1e308),
    fc.double(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', 'LAUNCH_APP', 'org.weft.demo.counter', '\u0000', '\ud800', 'a'.repeat(300), '../../etc/passwd', '\n'),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom('type', ...FIELD_NAMES), fc.string({ maxLength: 10 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A field value of the right kind for a request field, within the ranges that matter. */
function validField(kind: 'string' | 'uint' | 'number', name: string, ctx: FuzzContext, safeSession: fc.Arbitrary<number>): fc.Arbitrary<unknown> {
  if (name === 'app_id') {
    // Rarely the installed app: a well-formed launch must still work in the middle of the junk.
    return fc.oneof({ weight: 60, arbitrary: fc.constantFrom(ctx.absentAppId, 'org.weft.fuzz.nothere', 'not-an-id', '') }, { weight: 1, arbitrary: fc.constant(ctx.launchableAppId) });
  }
  if (name === 'session_id') return safeSession;
  if (kind === 'string') return fc.string({ unit: 'grapheme', maxLength: 64 }).map((s) => s.replace(/\n/g, ' '));
  if (kind === 'uint') return fc.oneof(fc.nat(), fc.constant(2 ** 53 - 1));
  return fc.oneof(fc.double({ noNaN: true }), fc.integer());
}

export interface FuzzContext {
  /** Never named by a generated TERMINATE_APP or IPC_FORWARD (the session that must survive). */
  protectedSession: number;
  /** An app id that is not installed (the base of LAUNCH_APP mutations). */
  absentAppId: string;
  /** An installed app id for the rare, deliberately well-formed LAUNCH_APP. */
  launchableAppId: string;
}

/** Well-formed requests: the base of mutation, and (rarely) sent as they are. */
export function validRequest(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  const safeSession = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constant(2 ** 53 - 1)).filter((n) => n !== ctx.protectedSession);
  return fc.constantFrom(...TYPES).chain((type) =>
    fc.record(Object.fromEntries(REQUEST_FIELDS[type].map(([name, kind]) => [name, validField(kind, name, ctx, safeSession)]))).map((fields) => ({ type, ...fields })),
  );
}

/** Request-shaped maps and arrays with wrong types, missing and extra fields, unknown type names. */
export function requestShaped(): fc.Arbitrary<unknown> {
  const type = fc.oneof(fc.constantFrom(...TYPES), fc.constantFrom('launch_app', 'LAUNCH_APP ', '', 'TERMINATE', 'ERROR', 'LAUNCH_ACK'), fc.string({ maxLength: 12 }), anyValue);
  const fields = fc.dictionary(fc.constantFrom(...FIELD_NAMES, 'event', 'extra', ''), anyValue, { maxKeys: 6 });
  return fc.oneof(
    fc.tuple(type, fields).map(([t, f]) => ({ ...f, type: t })),
    fc.tuple(type, fields).map(([t, f]) => ({ type: t, ...f })),
    fc.tuple(type, fc.array(anyValue, { maxLength: 6 })).map(([t, rest]) => [t, ...rest]),
  );
}

/** A tiny seeded PRNG (mulberry32): mutations stay replayable from the generated seed. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** An integer in [min, max]. */
  nextInt(min: number, max: number): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(unit * (max - min + 1));
  }
}

type Mutation = (body: Uint8Array, r: Prng) => Uint8Array;

const MUTATIONS: Mutation[] = [
  (b, r) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    const at = r.nextInt(0, out.length - 1);
    out[at] = (out[at] as number) ^ (1 << r.nextInt(0, 7));
    return out;
  },
  (b, r) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    out[r.nextInt(0, out.length - 1)] = r.nextInt(0, 255);
    return out;
  },
  (b, r) => {
    const at = r.nextInt(0, b.length);
    return Uint8Array.from([...b.subarray(0, at), r.nextInt(0, 255), ...b.subarray(at)]);
  },
  (b, r) => {
    if (b.length === 0) return b;
    const at = r.nextInt(0, b.length - 1);
    return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
  },
  (b, r) => b.subarray(0, r.nextInt(0, b.length)),
  (b, r) => {
    const at = r.nextInt(0, b.length);
    const junk = Array.from({ length: r.nextInt(1, 8) }, () => r.nextInt(0, 255));
    return Uint8Array.from([...b.subarray(0, at), ...junk, ...b.subarray(at)]);
  },
  (b, r) => {
    if (b.length < 2) return b;
    const from = r.nextInt(0, b.length - 2);
    const to = r.nextInt(from + 1, b.length);
    return Uint8Array.from([...b, ...b.subarray(from, to)]);
  },
];

/** A valid request, encoded as a map or as WEFT's array, then 1–4 byte-level mutations (the frame length is recomputed). */
export function mutatedValid(ctx: FuzzContext): fc.Arbitrary<Uint8Array> {
  return fc.tuple(validRequest(ctx), fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.nat()).map(([request, asArray, count, seed]) => {
    let body: Uint8Array = encode(asArray ? compact(request) : request);
    const random = new Prng(seed);
    for (let i = 0; i < count; i++) body = (MUTATIONS[random.nextInt(0, MUTATIONS.length - 1)] as Mutation)(body, random);
    return body;
  });
}

function safeEncode(value: unknown): Uint8Array {
  try {
    return encode(value);
  } catch {
    return Uint8Array.from([0xc1]);
  }
}

/** One frame body: every kind of junk, weighted toward the kinds that reach deepest into the daemon. */
export function frameBody(ctx: FuzzContext): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 256 }) },
    { weight: 4, arbitrary: anyValue.map(safeEncode) },
    { weight: 6, arbitrary: requestShaped().map(safeEncode) },
    { weight: 8, arbitrary: mutatedValid(ctx) },
    { weight: 2, arbitrary: validRequest(ctx).chain((r) => fc.boolean().map((asArray) => safeEncode(asArray ? compact(r) : r))) },
    { weight: 3, arbitrary: lyingMsgpack },
    { weight: 1, arbitrary: deepNesting },
  );
}

/** What a decoded request frame would do, by our own reading (independent of the daemon's parser). */
export interface FrameFacts {
  decodes: boolean;
  type: unknown;
  /** session_id as a number, when present and numeric. */
  session: number | null;
  appId: unknown;
  surface: unknown;
  arrayLength: number | null;
}

const NOTHING: FrameFacts = { decodes: false, type: undefined, session: null, appId: undefined, surface: undefined, arrayLength: null };
const STATEFUL_TYPES = ['LAUNCH_APP', 'TERMINATE_APP', 'IPC_FORWARD'].map((t) => Buffer.from(t));

/**
 * Only frames naming LAUNCH_APP, TERMINATE_APP or IPC_FORWARD can create, stop or reach a session.
 * A msgpack string is its raw UTF-8, so a body without those bytes needs no decoding.
 */
export function facts(body: Uint8Array): FrameFacts {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!STATEFUL_TYPES.some((t) => bytes.includes(t))) return NOTHING;
  let value: unknown;
  try {
    value = decode(body);
  } catch {
    return NOTHING;
  }
  let fields: Record<string, unknown> = {};
  let type: unknown;
  let arrayLength: number | null = null;
  if (Array.isArray(value)) {
    type = value[0];
    arrayLength = value.length;
    if (typeof type === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_FIELDS, type)) {
      REQUEST_FIELDS[type as RequestType].forEach(([name], i) => (fields[name] = value[i + 1]));
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    fields = value as Record<string, unknown>;
    type = fields.type;
  }
  const raw = fields.session_id;
  const session = typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : null;
  return { decodes: true, type, session, appId: fields.app_id, surface: fields.surface_id, arrayLength };
}

/** True when `body` is a LAUNCH_APP the daemon must accept for `appId` (our reading of the protocol). */
export function isWellFormedLaunch(f: FrameFacts, installed: ReadonlySet<string>): boolean {
  if (!f.decodes || f.type !== 'LAUNCH_APP' || typeof f.appId !== 'string' || !installed.has(f.appId)) return false;
  if (f.arrayLength !== null && f.arrayLength !== 3) return false;
  const surface = typeof f.surface === 'bigint' ? Number(f.surface) : f.surface;
  return typeof surface === 'number' && Number.isSafeInteger(surface) && surface >= 0;
}

/** True when a frame would stop or talk to `session` (such frames are dropped so the probe session survives). */
export function touchesSession(f: FrameFacts, session: number): boolean {
  return f.decodes && (f.type === 'TERMINATE_APP' || f.type === 'IPC_FORWARD') && f.session === session;
}
