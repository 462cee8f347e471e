// The manifest's [variables] table: settings and secrets an app reads through weft:app/config (config:read).
import { error, type Problem } from './problem.js';

export interface Variable {
  name: string;
  /** Used when the user has set no value; never present for a secret. */
  default?: string;
  /** Stored readable by the user only, shown redacted, redacted from the app's log records. */
  secret: boolean;
  /** A launch fails while it has no value. */
  required: boolean;
}

export const MAX_VARIABLES = 64;
export const MAX_VARIABLE_VALUE_BYTES = 16 * 1024;
const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const KEYS = ['default', 'secret', 'required'];

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Why a variable name is malformed, or null. Also used by weftctl for the names users type. */
export function variableNameProblem(name: string): string | null {
  return NAME.test(name) ? null : `"${name}" is not a variable name: use 1-64 of a-z, 0-9 and "_", starting with a letter`;
}

/** Reads `[variables]` (absent: none); problems use keys like `variables.api_key.default`. */
export function readVariables(table: unknown, problems: Problem[]): Variable[] {
  if (table === undefined) return [];
  if (!isTable(table)) {
    problems.push(error('variables', 'must be a table of variables', 'write [variables] then one `name = { default = "…" }` or `name = { secret = true, required = true }` per line'));
    return [];
  }
  const names = Object.keys(table);
  if (names.length > MAX_VARIABLES) {
    problems.push(error('variables', `declares ${names.length} variables; the limit is ${MAX_VARIABLES}`));
    return [];
  }
  const variables: Variable[] = [];
  for (const name of names) {
    const where = `variables.${name}`;
    const nameProblem = variableNameProblem(name);
    if (nameProblem) {
      problems.push(error(where, nameProblem));
      continue;
    }
    const spec = table[name];
    if (!isTable(spec)) {
      problems.push(error(where, 'must be an inline table', `write ${name} = { default = "…" } or ${name} = { required = true }`));
      continue;
    }
    let ok = true;
    for (const key of Object.keys(spec)) {
      if (!KEYS.includes(key)) {
        problems.push(error(`${where}.${key}`, 'unknown key', `a variable takes ${KEYS.join(', ')}`));
        ok = false;
      }
    }
    const { default: fallback, secret = false, required = false } = spec;
    if (fallback !== undefined && typeof fallback !== 'string') {
      problems.push(error(`${where}.default`, 'must be a string'));
      ok = false;
    } else if (typeof fallback === 'string' && Buffer.byteLength(fallback) > MAX_VARIABLE_VALUE_BYTES) {
      problems.push(error(`${where}.default`, `is longer than ${MAX_VARIABLE_VALUE_BYTES} bytes`));
      ok = false;
    }
    for (const [key, value] of [['secret', secret], ['required', required]] as const) {
      if (typeof value !== 'boolean') {
        problems.push(error(`${where}.${key}`, 'must be true or false'));
        ok = false;
      }
    }
    if (secret === true && fallback !== undefined) {
      problems.push(error(`${where}.default`, 'a secret has no default: a package is public, so its value would not be secret', `remove the default; the user sets it with \`weftctl config set <app-id> ${name} <value>\``));
      ok = false;
    }
    if (required === true && fallback !== undefined) {
      problems.push(error(`${where}.required`, 'a variable with a default always has a value, so "required" has no meaning', 'remove either the default or required = true'));
      ok = false;
    }
    if (!ok) continue;
    const variable: Variable = { name, secret: secret === true, required: required === true };
    if (typeof fallback === 'string') variable.default = fallback;
    variables.push(variable);
  }
  return variables;
}
