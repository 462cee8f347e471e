// Reads and writes the values users set for an app's [variables]: one JSON file per app, mode 0600 in a 0700 directory, replaced atomically.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Variable } from '../manifest/variables.js';
import { variablesFile, type Env } from './paths.js';

export type VariableValues = Record<string, string>;

/** Shown instead of a secret's value by weftctl, logs and the dashboard. */
export const REDACTED = '[redacted]';

export class VariableValuesError extends Error {}

/** The stored values for an app; none when nothing was ever set. */
export function readVariableValues(appId: string, env: Env = process.env): VariableValues {
  const path = variablesFile(appId, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new VariableValuesError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VariableValuesError(`${path} is not valid JSON; fix or delete it, then set the values again with weftctl config set`);
  }
  const values = (parsed as { values?: unknown }).values;
  if (typeof values !== 'object' || values === null || Object.values(values).some((v) => typeof v !== 'string')) {
    throw new VariableValuesError(`${path} must hold {"values": {"<name>": "<string>", ...}}; fix or delete it`);
  }
  return { ...(values as VariableValues) };
}

export function writeVariableValues(appId: string, values: VariableValues, env: Env = process.env): void {
  const path = variablesFile(appId, env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ values }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Each declared variable's effective value: the user's, else the default, else absent. */
export function effectiveValues(variables: readonly Variable[], stored: VariableValues): Map<string, string | undefined> {
  return new Map(variables.map((v) => [v.name, Object.hasOwn(stored, v.name) ? stored[v.name] : v.default]));
}

/** The exact command that sets a variable, for error messages. */
export function setCommand(appId: string, name: string): string {
  return `weftctl config set ${appId} ${name} <value>`;
}

/** The error for a launch whose required variables have no value, or null. */
export function missingRequiredMessage(appId: string, variables: readonly Variable[], stored: VariableValues): string | null {
  const missing = variables.filter((v) => v.required && !Object.hasOwn(stored, v.name));
  if (missing.length === 0) return null;
  const list = missing.map((v) => `"${v.name}" (set it with \`${setCommand(appId, v.name)}\`)`).join(', ');
  return `${appId} cannot start: required variable${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'have' : 'has'} no value`;
}
