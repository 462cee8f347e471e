// The install record kept beside an installed package: what was checked and precompiled at install time.

export interface PrecompiledInfo {
  /** Directory beside the package, relative to the install dir. */
  dir: string;
  /** The ES module the runtime imports; exports `instantiate(getCoreModule, imports)`. */
  entry: string;
  /** The component's imports, exactly as versioned (`wasi:cli/environment@0.2.3`). */
  imports: string[];
  /** Tool that produced it, e.g. `@bytecodealliance/jco-transpile@0.15.0`. */
  transpiler: string;
  /** The preview1 adapter's SHA-256 when a core module was wrapped; null for components. */
  adapter_sha256: string | null;
  /**
   * SHA-256 (hex) of every file the runtime loads from `dir` (the entry and the core `.wasm`
   * files), by file name. The runtime refuses a file that differs, is missing or is not listed.
   * Absent only in records written before weft-pack recorded them (the runtime asks to reinstall).
   */
  files?: Record<string, string>;
}

export interface InstallRecord {
  format: 1;
  app_id: string;
  name: string;
  version: string;
  /** SHA-256 (hex) of runtime.module as installed; the runtime refuses a module that differs. */
  module_sha256: string;
  module_kind: 'core' | 'component';
  /** SHA-256 over the whole package, WEFT's signature hash. */
  content_sha256: string;
  installed_at: string;
  /** Hex Ed25519 public key whose signature verified at install, or null if unsigned/unchecked. */
  signed_by: string | null;
  precompiled: PrecompiledInfo | null;
}

export function isInstallRecord(value: unknown): value is InstallRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return r.format === 1 && typeof r.app_id === 'string' && typeof r.module_sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.module_sha256);
}
