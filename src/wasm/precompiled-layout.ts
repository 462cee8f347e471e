// File names inside a precompiled directory, shared by precompile (which writes them) and the runtime (which reads them).

/** The ES module the runtime imports from a precompiled directory. */
export const PRECOMPILED_ENTRY = 'component.js';
/** Written beside the entry so a precompiled directory describes itself (a superset of PrecompiledInfo). */
export const PRECOMPILED_INFO_FILE = 'precompiled.json';
