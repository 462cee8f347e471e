// The app's stdio: stdout/stderr written synchronously to the runtime's fds 1 and 2 from the wasm thread, stdin always empty.
import { writeSync } from 'node:fs';
import { STREAM_CLOSED as CLOSED } from '../shim-adapter/errors.js';
import { withoutShimDispose } from '../shim-adapter/resources.js';
import type { Constructor } from '../shim-adapter/shim.js';
import { blockFor } from './block.js';

const CHECK_WRITE_BYTES = 1024 * 1024;

/**
 * Writes all of `bytes` to `fd`, waiting out EAGAIN (a non-blocking pipe that is full) so
 * output is never dropped; a full pipe simply blocks the wasm thread, which is the backpressure
 * the app should see.
 */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  let backoffMs = 1;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      backoffMs = 1;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EAGAIN') throw cause;
      blockFor(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 50);
    }
  }
}

export interface Stdio {
  stdout: object;
  stderr: object;
  stdin: object;
  /** Writes the READY line, starting a new line first if the app left one unfinished. */
  writeReady(): void;
}

/**
 * `streams` are the classes of the session's wasi:io/streams import (preview2-shim's, or weft's
 * own when the shim's I/O side is not loaded); `readyPollable` makes a pollable that is ready at
 * once: stdout never has to wait (writes block instead), and stdin is at EOF.
 */
export function createStdio(streams: { InputStream: Constructor; OutputStream: Constructor }, readyPollable: () => object): Stdio {
  const OutputStream = streams.OutputStream;
  const InputStream = streams.InputStream;
  let stdoutEndsLine = true;

  // Subclasses of the import's stream classes: jco checks `instanceof` against the classes in the
  // wasi:io/streams import, and these must pass. Every method is overridden, so the shim's
  // private state (which these objects lack) is never touched.
  class FdOutputStream extends OutputStream {
    constructor(private readonly fd: number) {
      super();
    }
    private put(bytes: Uint8Array): void {
      if (bytes.length === 0) return;
      try {
        writeFully(this.fd, bytes);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'EPIPE') throw CLOSED;
        throw cause;
      }
      if (this.fd === 1) stdoutEndsLine = bytes[bytes.length - 1] === 0x0a;
    }
    checkWrite(): bigint {
      return BigInt(CHECK_WRITE_BYTES);
    }
    write(contents: Uint8Array): void {
      this.put(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      this.put(contents);
    }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(length: bigint): void {
      this.put(new Uint8Array(Number(length)));
    }
    blockingWriteZeroesAndFlush(length: bigint): void {
      this.put(new Uint8Array(Number(length)));
    }
    splice(source: { read(length: bigint): Uint8Array }, length: bigint): bigint {
      const bytes = source.read(length);
      this.put(bytes);
      return BigInt(bytes.length);
    }
    blockingSplice(source: { blockingRead(length: bigint): Uint8Array }, length: bigint): bigint {
      const bytes = source.blockingRead(length);
      this.put(bytes);
      return BigInt(bytes.length);
    }
    subscribe(): object {
      return readyPollable();
    }
  }

  class EmptyInputStream extends InputStream {
    read(): Uint8Array {
      throw CLOSED;
    }
    blockingRead(): Uint8Array {
      throw CLOSED;
    }
    skip(): bigint {
      throw CLOSED;
    }
    blockingSkip(): bigint {
      throw CLOSED;
    }
    subscribe(): object {
      return readyPollable();
    }
  }
  // Dropping these handles must not reach the shim's dispose, which expects its private state.
  for (const cls of [FdOutputStream, EmptyInputStream]) withoutShimDispose(cls);

  const stdout = new FdOutputStream(1);
  const stderr = new FdOutputStream(2);
  const stdin = new EmptyInputStream();
  return {
    stdout,
    stderr,
    stdin,
    writeReady() {
      writeFully(1, Buffer.from(stdoutEndsLine ? 'READY\n' : '\nREADY\n'));
      stdoutEndsLine = true;
    },
  };
}
