// Generates (once, cached in bench/.cache/big-app) a valid command-component package whose core module carries a 10 MB data segment.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandComponent } from './components.mjs';
import { cacheDir } from './paths.mjs';

export const BIG_APP_ID = 'org.weft.bench.big';
const DATA_BYTES = 10 * 1024 * 1024;

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const str = (s) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => Buffer.concat([Buffer.from([id, ...uleb(body.length)]), Buffer.from(body)]);

/** Deterministic pseudo-random bytes (xorshift32), so the payload does not compress away. */
function noise(length) {
  const buf = Buffer.alloc(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  return buf;
}

/** A preview1 command module: `_start` prints "big\n" via fd_write; memory holds DATA_BYTES of noise at 64 KiB. */
export function bigCoreModule() {
  const i32 = 0x7f;
  const types = section(1, vec([[0x60, ...vec([[i32], [i32], [i32], [i32]]), ...vec([[i32]])], [0x60, 0x00, 0x00]]));
  const imports = section(2, vec([[...str('wasi_snapshot_preview1'), ...str('fd_write'), 0x00, 0x00]]));
  const funcs = section(3, vec([[0x01]]));
  const pages = Math.ceil((65536 + DATA_BYTES) / 65536) + 1;
  const memory = section(5, vec([[0x00, ...uleb(pages)]]));
  const exports = section(7, vec([[...str('memory'), 0x02, 0x00], [...str('_start'), 0x00, 0x01]]));
  // fd_write(1, iovs=0, 1, nwritten=8); drop
  const body = [0x00, 0x41, ...sleb(1), 0x41, ...sleb(0), 0x41, ...sleb(1), 0x41, ...sleb(8), 0x10, 0x00, 0x1a, 0x0b];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  const header = Buffer.alloc(16); // iovec at 0, nwritten at 8, text at 16
  header.writeUInt32LE(16, 0); // iovec.buf
  header.writeUInt32LE(4, 4); // iovec.len
  const seg = (offset, bytes) => Buffer.concat([Buffer.from([0x00, 0x41, ...sleb(offset), 0x0b, ...uleb(bytes.length)]), bytes]);
  const small = Buffer.concat([header, Buffer.from('big\n')]);
  const dataBody = Buffer.concat([Buffer.from(uleb(2)), seg(0, small), seg(65536, noise(DATA_BYTES))]);
  const data = Buffer.concat([Buffer.from([11, ...uleb(dataBody.length)]), dataBody]);
  return Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), types, imports, funcs, memory, exports, code, data]);
}

/** Path of the package dir (wapp.toml, app.wasm = component, ui/index.html), built on first use. */
export async function bigAppDir() {
  const dir = join(cacheDir, 'big-app');
  if (existsSync(join(dir, 'app.wasm'))) return dir;
  const coreDir = join(cacheDir, 'big-core');
  await mkdir(coreDir, { recursive: true });
  const corePath = join(coreDir, 'big.core.wasm');
  await writeFile(corePath, bigCoreModule());
  const component = await commandComponent(corePath);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'ui'), { recursive: true });
  await writeFile(join(tmp, 'app.wasm'), component.bytes);
  await writeFile(join(tmp, 'ui', 'index.html'), '<!doctype html><title>big</title>\n');
  await writeFile(
    join(tmp, 'wapp.toml'),
    `[package]\nid = "${BIG_APP_ID}"\nname = "Big"\nversion = "1.0.0"\ndescription = "Benchmark package: a command component with a 10 MB data segment."\nauthor = "weft bench"\ncapabilities = []\n\n[runtime]\nmodule = "app.wasm"\n\n[ui]\nentry = "ui/index.html"\n`,
  );
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return dir;
}
