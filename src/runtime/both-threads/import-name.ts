// An import key as component.js looks it up, split into interface and version; and the sample a pre-started runtime rehearses with.
export interface ImportName {
  /** Exactly as component.js looks it up. */
  key: string;
  /** Without the version: `wasi:cli/environment`. */
  iface: string;
  version: string | null;
}

export function parseImportName(key: string): ImportName {
  const at = key.indexOf('@');
  return at < 0 ? { key, iface: key, version: null } : { key, iface: key.slice(0, at), version: key.slice(at + 1) };
}

/**
 * What a command component typically imports (no sockets or http: those load modules of their
 * own): standby and warm runtimes plan these on the main thread and build the WASI ones on the
 * wasm thread before a session arrives, so that code is compiled when a session runs it.
 */
export const SAMPLE_IMPORT_KEYS: readonly string[] = [
  'wasi:cli/environment@0.2.3',
  'wasi:cli/exit@0.2.3',
  'wasi:cli/stdin@0.2.3',
  'wasi:cli/stdout@0.2.3',
  'wasi:cli/stderr@0.2.3',
  'wasi:clocks/monotonic-clock@0.2.3',
  'wasi:clocks/wall-clock@0.2.3',
  'wasi:filesystem/preopens@0.2.3',
  'wasi:filesystem/types@0.2.3',
  'wasi:io/error@0.2.3',
  'wasi:io/poll@0.2.3',
  'wasi:io/streams@0.2.3',
  'wasi:random/random@0.2.3',
  'weft:app/notify@0.1.0',
  'weft:app/ipc@0.1.0',
];
