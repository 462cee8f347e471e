// Which imports a package may have: component imports judged by the shared interface table, core-module imports by WASI preview1's function list.
import { judgeInterface, type CapabilityUse } from '../protocol/interfaces.js';
import type { ComponentItem, CoreImport } from '../wasm/inspect.js';

export type { CapabilityUse };

export type ImportVerdict =
  | { ok: true; needs: CapabilityUse | null; uses: CapabilityUse | null }
  | { ok: false; message: string; hint: string };

/** Every function wasi_snapshot_preview1 defines; the vendored preview1 adapter exports exactly these (a test checks). */
export const PREVIEW1_FUNCTIONS: ReadonlySet<string> = new Set([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
]);

export const PREVIEW1_MODULE = 'wasi_snapshot_preview1';

/** Judges one top-level component import by name and kind, by the interface table weft-runtime links with. */
export function judgeComponentImport(item: ComponentItem): ImportVerdict {
  const verdict = judgeInterface(item.name);
  if (!verdict.ok) return { ok: false, message: `imports ${item.kind} ${verdict.message}`, hint: verdict.hint };
  if (item.kind !== 'instance') {
    return { ok: false, message: `imports "${item.name}" as a ${item.kind}; weft only provides interface (instance) imports`, hint: 'import the interface, as wit-bindgen does' };
  }
  return { ok: true, needs: verdict.entry.needs, uses: verdict.entry.uses };
}

/** Judges one core-module import: only known wasi_snapshot_preview1 functions are satisfiable. */
export function judgeCoreImport(item: CoreImport): ImportVerdict {
  if (item.module !== PREVIEW1_MODULE) {
    return {
      ok: false,
      message: `imports "${item.module}"."${item.name}"; a core module may import only from ${PREVIEW1_MODULE}`,
      hint: 'link everything into the module (no undefined symbols), or build a component',
    };
  }
  if (item.kind !== 'function' || !PREVIEW1_FUNCTIONS.has(item.name)) {
    return {
      ok: false,
      message: `imports ${item.kind} "${item.module}"."${item.name}", which WASI preview1 does not define`,
      hint: 'rebuild with a current wasi-libc; the preview1 adapter provides only the standard functions',
    };
  }
  return { ok: true, needs: null, uses: item.name === 'path_open' ? 'fs' : null };
}
