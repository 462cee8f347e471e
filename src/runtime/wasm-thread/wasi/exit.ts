// wasi:cli/exit for the app, keeping the code a preview1 module passed to proc_exit (the adapter only forwards ok/err).
import type { WasmImports } from '../../../wasm/webassembly-api.js';

export class AppExit {
  constructor(readonly code: number) {}
}

export interface ExitTracker {
  /** The wasi:cli/exit implementation: throws AppExit, unwinding the app back to the runtime. */
  exit: { exit(status: { tag: string }): never; exitWithCode(code: number): never };
  /** Wraps a core instance's `wasi_snapshot_preview1.proc_exit` import to remember its code. */
  wrapImports(imports: WasmImports | undefined): WasmImports | undefined;
}

export function createExitTracker(): ExitTracker {
  let procExitCode: number | null = null;
  return {
    exit: {
      exit(status) {
        throw new AppExit(status.tag === 'ok' ? 0 : (procExitCode ?? 1));
      },
      exitWithCode(code) {
        throw new AppExit(code & 0xff);
      },
    },
    wrapImports(imports) {
      const preview1 = imports?.wasi_snapshot_preview1;
      const procExit = preview1?.proc_exit;
      if (typeof procExit !== 'function') return imports;
      return {
        ...imports,
        wasi_snapshot_preview1: {
          ...preview1,
          proc_exit: (code: number) => {
            procExitCode = code >>> 0 > 255 ? 1 : code;
            return (procExit as (code: number) => unknown)(code);
          },
        },
      };
    },
  };
}
