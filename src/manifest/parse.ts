// Parses wapp.toml text into a Manifest, collecting every problem with the key it is about.
import { parse as parseToml, TomlError } from 'smol-toml';
import { appIdProblem } from './app-id.js';
import { parseCapability, type Grant } from './capabilities.js';
import { error, hasErrors, warning, type Problem } from './problem.js';
import { readSchedules } from './schedules.js';
import { readVariables } from './variables.js';
import { DEFAULT_LIMITS, DEFAULT_RESTART, type Limits, type Manifest, type Restart, type RestartPolicy } from './types.js';

export const MANIFEST_FILE = 'wapp.toml';
/** A manifest is a few hundred bytes; anything this big is not one. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

// semver.org's recommended pattern.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const KNOWN_TABLES: Record<string, readonly string[]> = {
  package: ['id', 'name', 'version', 'description', 'author', 'capabilities'],
  runtime: ['module'],
  ui: ['entry'],
  limits: ['memory_max_mb', 'wasm_memory_max_mb', 'cpu_percent', 'ready_timeout_ms', 'data_max_mb'],
  restart: ['policy', 'max_restarts', 'window_ms', 'backoff_ms'],
  // Each key is a variable name; read by readVariables.
  variables: [],
  // An array of tables; read by readSchedules.
  schedules: [],
};

export interface ManifestResult {
  /** Present when there are no errors. */
  manifest?: Manifest;
  problems: Problem[];
  /**
   * The keys that were individually valid, present whenever the TOML parsed, so a checker can
   * go on to look at the module and UI files even when another key is wrong.
   */
  fields?: ManifestFields;
}

export interface ManifestFields {
  id?: string;
  module?: string;
  uiEntry?: string;
  /** Only the capabilities that parsed, in order, without duplicates. */
  capabilities: string[];
  grants: Grant[];
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  if (value instanceof Date) return 'a date';
  return `a ${typeof value}`;
}

/** Checks a relative path inside the package: not absolute, no `..`, no backslashes, not empty. */
export function packagePathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.startsWith('/')) return `"${path}" is absolute; give a path relative to the package directory`;
  if (path.includes('\\')) return `"${path}" contains a backslash; use forward slashes`;
  if (path.includes('\0')) return `"${path}" contains a NUL byte`;
  if (path.split('/').some((part) => part === '..')) return `"${path}" uses ".."; the file must be inside the package`;
  return null;
}

class Reader {
  readonly problems: Problem[] = [];
  constructor(private readonly root: Table) {}

  table(name: string, required: boolean): Table | undefined {
    const value = this.root[name];
    if (value === undefined) {
      if (required) this.problems.push(error(`[${name}]`, `the [${name}] table is missing`, `add a [${name}] table to ${MANIFEST_FILE}`));
      return undefined;
    }
    if (!isTable(value)) {
      this.problems.push(error(name, `must be a table, got ${typeName(value)}`));
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!(KNOWN_TABLES[name] ?? []).includes(key)) {
        this.problems.push(warning(`${name}.${key}`, 'unknown key; weft ignores it', `known keys in [${name}]: ${(KNOWN_TABLES[name] ?? []).join(', ')}`));
      }
    }
    return value;
  }

  string(table: Table | undefined, tableName: string, key: string, required: boolean): string | undefined {
    const value = table?.[key];
    const where = `${tableName}.${key}`;
    if (value === undefined) {
      if (required && table) this.problems.push(error(where, 'is required', `add ${key} = "…" under [${tableName}]`));
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problems.push(error(where, `must be a string, got ${typeName(value)}`));
      return undefined;
    }
    const control = controlCharacterProblem(value);
    if (control) {
      this.problems.push(error(where, control, 'manifest text is shown in terminals and pages; remove control characters (escape sequences, newlines, tabs)'));
      return undefined;
    }
    return value;
  }

  integer(table: Table | undefined, tableName: string, key: string, min: number, max: number): number | undefined {
    const value = table?.[key];
    if (value === undefined) return undefined;
    const where = `${tableName}.${key}`;
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.problems.push(error(where, `must be an integer, got ${typeName(value)}`));
      return undefined;
    }
    if (n < min || n > max) {
      this.problems.push(error(where, `${n} is out of range ${min}–${max}`));
      return undefined;
    }
    return n;
  }
}

/** C0 and C1 control characters, DEL and the bidi overrides: none belongs in a manifest's text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Why a manifest string is refused for the control characters in it, or null. */
export function controlCharacterProblem(text: string): string | null {
  const match = CONTROL.exec(text);
  if (!match) return null;
  const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `contains the control character U+${code} at character ${[...text.slice(0, match.index)].length + 1}`;
}

function readPackage(reader: Reader, pkg: Table | undefined) {
  const id = reader.string(pkg, 'package', 'id', true);
  if (id !== undefined) {
    const problem = appIdProblem(id);
    if (problem) reader.problems.push(error('package.id', problem, 'use reverse-DNS form: lowercase parts of a-z and 0-9, e.g. org.example.notes'));
  }
  const name = reader.string(pkg, 'package', 'name', true);
  if (name !== undefined && (name.trim().length === 0 || [...name].length > 64)) {
    reader.problems.push(error('package.name', `must be 1–64 characters, got ${[...name].length}${name.trim().length === 0 && name.length > 0 ? ' (only spaces)' : ''}`));
  }
  const version = reader.string(pkg, 'package', 'version', true);
  if (version !== undefined && !SEMVER.test(version)) {
    reader.problems.push(error('package.version', `"${version}" is not a semantic version`, 'use MAJOR.MINOR.PATCH, e.g. 1.0.0'));
  }
  const description = reader.string(pkg, 'package', 'description', false);
  const author = reader.string(pkg, 'package', 'author', false);
  const capabilities: string[] = [];
  const grants: Grant[] = [];
  const raw = pkg?.capabilities;
  if (raw !== undefined && !Array.isArray(raw)) {
    reader.problems.push(error('package.capabilities', `must be an array of strings, got ${typeName(raw)}`));
  } else if (Array.isArray(raw)) {
    raw.forEach((item, index) => {
      const where = `package.capabilities[${index}]`;
      if (typeof item !== 'string') {
        reader.problems.push(error(where, `must be a string, got ${typeName(item)}`));
        return;
      }
      if (capabilities.includes(item)) {
        reader.problems.push(warning(where, `"${item}" is listed twice`));
        return;
      }
      const parsed = parseCapability(item);
      if (!parsed.ok) {
        reader.problems.push(error(where, parsed.message, parsed.hint));
        return;
      }
      capabilities.push(item);
      grants.push(parsed.grant);
    });
  }
  return { id, name, version, description, author, capabilities, grants };
}

function readLimits(reader: Reader, table: Table | undefined): Limits {
  const memoryMaxMb = reader.integer(table, 'limits', 'memory_max_mb', 16, 65_536) ?? DEFAULT_LIMITS.memoryMaxMb;
  const wasmMemoryMaxMb = reader.integer(table, 'limits', 'wasm_memory_max_mb', 1, 4096) ?? Math.min(memoryMaxMb, 4096);
  return {
    memoryMaxMb,
    wasmMemoryMaxMb,
    cpuPercent: reader.integer(table, 'limits', 'cpu_percent', 1, 10_000) ?? DEFAULT_LIMITS.cpuPercent,
    readyTimeoutMs: reader.integer(table, 'limits', 'ready_timeout_ms', 100, 600_000) ?? DEFAULT_LIMITS.readyTimeoutMs,
    dataMaxMb: reader.integer(table, 'limits', 'data_max_mb', 1, 1_048_576) ?? DEFAULT_LIMITS.dataMaxMb,
  };
}

function readRestart(reader: Reader, table: Table | undefined): Restart {
  const policy = reader.string(table, 'restart', 'policy', false);
  let checked: RestartPolicy = DEFAULT_RESTART.policy;
  if (policy !== undefined) {
    if (policy === 'no' || policy === 'on-failure' || policy === 'always') checked = policy;
    else reader.problems.push(error('restart.policy', `"${policy}" is not a restart policy`, 'use "no", "on-failure" or "always"'));
  }
  return {
    policy: checked,
    maxRestarts: reader.integer(table, 'restart', 'max_restarts', 0, 1000) ?? DEFAULT_RESTART.maxRestarts,
    windowMs: reader.integer(table, 'restart', 'window_ms', 1000, 86_400_000) ?? DEFAULT_RESTART.windowMs,
    backoffMs: reader.integer(table, 'restart', 'backoff_ms', 0, 600_000) ?? DEFAULT_RESTART.backoffMs,
  };
}

/** Parses and checks manifest text. Never throws: every problem is in the result. */
export function parseManifest(text: string): ManifestResult {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    return { problems: [error(MANIFEST_FILE, `is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_MANIFEST_BYTES}`)] };
  }
  let root: Table;
  try {
    root = parseToml(text) as Table;
  } catch (cause) {
    if (cause instanceof TomlError) {
      const firstLine = cause.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      return { problems: [error(`${MANIFEST_FILE}:${cause.line}:${cause.column}`, `TOML syntax error: ${firstLine}`)] };
    }
    throw cause;
  }
  const reader = new Reader(root);
  for (const key of Object.keys(root)) {
    if (!(key in KNOWN_TABLES)) reader.problems.push(warning(key, 'unknown table or key; weft ignores it', `known tables: ${Object.keys(KNOWN_TABLES).map((t) => `[${t}]`).join(', ')}`));
  }
  const pkg = readPackage(reader, reader.table('package', true));
  const runtime = reader.table('runtime', true);
  const module = reader.string(runtime, 'runtime', 'module', true);
  if (module !== undefined) {
    const problem = packagePathProblem(module);
    if (problem) reader.problems.push(error('runtime.module', problem));
  }
  const ui = reader.table('ui', false);
  const uiEntry = reader.string(ui, 'ui', 'entry', false);
  if (uiEntry !== undefined) {
    const problem = packagePathProblem(uiEntry);
    if (problem) reader.problems.push(error('ui.entry', problem));
  }
  const limits = readLimits(reader, reader.table('limits', false));
  const restart = readRestart(reader, reader.table('restart', false));
  const variables = readVariables(root.variables, reader.problems);
  const schedules = readSchedules(root.schedules, pkg.grants, reader.problems);
  const problems = reader.problems;
  const fields: ManifestFields = { capabilities: pkg.capabilities, grants: pkg.grants };
  if (pkg.id !== undefined && appIdProblem(pkg.id) === null) fields.id = pkg.id;
  if (module !== undefined && packagePathProblem(module) === null) fields.module = module;
  if (uiEntry !== undefined && packagePathProblem(uiEntry) === null) fields.uiEntry = uiEntry;
  if (hasErrors(problems) || pkg.id === undefined || pkg.name === undefined || pkg.version === undefined || module === undefined) {
    return { problems, fields };
  }
  const manifest: Manifest = {
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    capabilities: pkg.capabilities,
    grants: pkg.grants,
    module,
    limits,
    restart,
    variables,
    schedules,
  };
  if (pkg.description !== undefined) manifest.description = pkg.description;
  if (pkg.author !== undefined) manifest.author = pkg.author;
  if (uiEntry !== undefined) manifest.uiEntry = uiEntry;
  return { manifest, problems, fields };
}
