// A bounds-checked cursor over WebAssembly binary bytes: LEB128 integers, names and sized sections.

/** A malformed WebAssembly binary (core module or component). */
export class WasmFormatError extends Error {
  constructor(
    message: string,
    /** Byte offset in the file where reading failed; null when the file as a whole is wrong. */
    readonly offset: number | null = null,
  ) {
    super(offset === null ? message : `${message} at byte offset ${offset}`);
    this.name = 'WasmFormatError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class ByteReader {
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    /** Exclusive end: reads past it are errors, so a section cannot spill into the next. */
    readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  fail(message: string): never {
    throw new WasmFormatError(message, this.offset);
  }

  byte(): number {
    if (this.offset >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.offset++] as number;
  }

  /** Unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('u32 value out of range');
        return result;
      }
      shift += 7;
    }
    return this.fail('u32 LEB128 is longer than 5 bytes');
  }

  /**
   * Unsigned LEB128 of up to 64 bits (memory64 limits), as a number: values above 2^53 are
   * rejected, since no limit weft reads needs them.
   */
  u64(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail('LEB128 value above 2^53');
        return result;
      }
      scale *= 128;
    }
    return this.fail('u64 LEB128 is longer than 10 bytes');
  }

  /** Skips a signed LEB128 of at most 33 bits (component valtype: a type index or a primitive opcode). */
  skipS33(): void {
    for (let i = 0; i < 5; i++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    this.fail('s33 LEB128 is longer than 5 bytes');
  }

  skip(count: number): void {
    if (count > this.end - this.offset) this.fail(`a ${count}-byte item runs past the end of its enclosing section`);
    this.offset += count;
  }

  slice(count: number): Uint8Array {
    const start = this.offset;
    this.skip(count);
    return this.bytes.subarray(start, start + count);
  }

  /** A length-prefixed UTF-8 string. */
  name(): string {
    const at = this.offset;
    const length = this.u32();
    const raw = this.slice(length);
    try {
      return utf8.decode(raw);
    } catch {
      throw new WasmFormatError('a name is not valid UTF-8', at);
    }
  }
}
