// Names of the WASI command entry point a component may export, at any 0.2.x version.

/** True for `wasi:cli/run` and `wasi:cli/run@0.2.<n>`. */
export function isRunExport(name: string): boolean {
  return name === 'wasi:cli/run' || /^wasi:cli\/run@0\.2\.\d+$/.test(name);
}
