// Which imports weft can satisfy, and which capability each one needs or makes use of.
import type { ComponentItem, CoreImport } from '../wasm/inspect.js';

/** The capability families an import can need or use. */
export type CapabilityUse = 'fs' | 'net-fetch' | 'notifications' | 'clipboard' | 'kv' | 'config' | 'schedule';

export type ImportVerdict =
  | { ok: true; needs: CapabilityUse | null; uses: CapabilityUse | null }
  | { ok: false; message: string; hint: string };

export const WEFT_APP_INTERFACES: Readonly<Record<string, CapabilityUse | null>> = {
  notify: null,
  ipc: null,
  fetch: 'net-fetch',
  notifications: 'notifications',
  clipboard: 'clipboard',
  kv: 'kv',
  config: 'config',
  log: null,
  schedule: 'schedule',
};

/** The weft:app version series of each interface (wit/weft-app.wit is 0.1, wit/weft-app-0.2.wit is 0.2). */
const WEFT_APP_SERIES: Readonly<Record<string, string>> = { kv: '0.2', config: '0.2', log: '0.2', schedule: '0.2' };

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

const INTERFACE_NAME = /^([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)(?:@(.+))?$/;

/** Judges one top-level component import by name and kind. */
export function judgeComponentImport(item: ComponentItem): ImportVerdict {
  const match = INTERFACE_NAME.exec(item.name);
  if (!match) {
    return {
      ok: false,
      message: `imports ${item.kind} "${item.name}", which is not a WASI or weft:app interface`,
      hint: 'weft provides WASI 0.2.x interfaces and weft:app/*@0.1.x and @0.2.x (wit/weft-app.wit, wit/weft-app-0.2.wit); anything else cannot be linked',
    };
  }
  const [, namespace, pkg, iface, version] = match as unknown as [string, string, string, string, string | undefined];
  if (item.kind !== 'instance') {
    return { ok: false, message: `imports "${item.name}" as a ${item.kind}; weft only provides interface (instance) imports`, hint: 'import the interface, as wit-bindgen does' };
  }
  if (namespace === 'wasi') {
    if (version === undefined || !/^0\.2\.\d+$/.test(version)) {
      return {
        ok: false,
        message: `imports "${item.name}": weft provides WASI 0.2.x only, not ${version === undefined ? 'an unversioned interface' : `version ${version}`}`,
        hint: 'build against WASI 0.2 (wasm32-wasip2, or a preview1 module wrapped with the preview1 adapter)',
      };
    }
    if (pkg === 'filesystem') return { ok: true, needs: null, uses: 'fs' };
    if (pkg === 'http') return { ok: true, needs: 'net-fetch', uses: 'net-fetch' };
    return { ok: true, needs: null, uses: null };
  }
  if (namespace === 'weft' && pkg === 'app') {
    if (!(iface in WEFT_APP_INTERFACES)) {
      return {
        ok: false,
        message: `imports "${item.name}": weft:app has no interface "${iface}"`,
        hint: `weft:app interfaces: ${Object.keys(WEFT_APP_INTERFACES).join(', ')}`,
      };
    }
    const series = WEFT_APP_SERIES[iface] ?? '0.1';
    if (version === undefined || !version.startsWith(`${series}.`) || !/^\d+\.\d+\.\d+$/.test(version)) {
      return {
        ok: false,
        message: `imports "${item.name}": weft provides weft:app/${iface} ${series}.x, not ${version === undefined ? 'an unversioned interface' : `version ${version}`}`,
        hint: series === '0.1' ? 'generate bindings from wit/weft-app.wit (package weft:app@0.1.0)' : `generate bindings from wit/weft-app-${series}.wit (package weft:app@${series}.0)`,
      };
    }
    const use = WEFT_APP_INTERFACES[iface] ?? null;
    return { ok: true, needs: use, uses: use };
  }
  return {
    ok: false,
    message: `imports "${item.name}", which is neither WASI 0.2.x nor weft:app`,
    hint: 'weft provides WASI 0.2.x interfaces and weft:app/*@0.1.x and @0.2.x (wit/weft-app.wit, wit/weft-app-0.2.wit); anything else cannot be linked',
  };
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
