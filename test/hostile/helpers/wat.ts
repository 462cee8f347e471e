// Builds the corpus's WebAssembly from WAT text with jco-transpile's wasm-tools parse(): small hostile apps and modules.
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';

export async function watToWasm(wat: string): Promise<Uint8Array> {
  return parse(wat);
}

const FD_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))';

function dataString(text: string): string {
  return [...Buffer.from(text)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}

/** A preview1 command that writes `text` to stdout forever (an output flood); `text` may lack a newline. */
export function floodWat(text: string): string {
  const bytes = Buffer.byteLength(text);
  return `(module
  ${FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 64) "${dataString(text)}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const ${bytes}))
    (loop $again
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $again))))`;
}

/** A preview1 command that prints ENV-BEGIN, every environment entry it can see (one per line), ENV-END, then exits 0. */
export const ENV_DUMP_WAT = `(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  ${FD_WRITE}
  (memory (export "memory") 32)
  (data (i32.const 256) "ENV-BEGIN\\0a")
  (data (i32.const 288) "ENV-END\\0a")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "_start")
    (local $i i32) (local $n i32)
    (call $print (i32.const 256) (i32.const 10))
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (local.set $n (i32.load (i32.const 4)))
    (if (i32.le_u (local.get $n) (i32.const 1900000))
      (then
        (drop (call $get (i32.const 1024) (i32.const 131072)))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.eqz (i32.load8_u (i32.add (i32.const 131072) (local.get $i))))
              (then (i32.store8 (i32.add (i32.const 131072) (local.get $i)) (i32.const 10))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $each)))
        (call $print (i32.const 131072) (local.get $n))))
    (call $print (i32.const 288) (i32.const 8))))`;

/** A valid preview1 command that does nothing: the base for import mutations. */
export function coreModuleWat(extraImports = ''): string {
  return `(module
  ${FD_WRITE}
  ${extraImports}
  (memory (export "memory") 1)
  (func (export "_start")))`;
}

/** A command component that imports the given instances (WAT instance types) and exports wasi:cli/run@0.2.0. */
export function componentWat(imports: string): string {
  return `(component
  ${imports}
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $runinst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $runinst)))`;
}
