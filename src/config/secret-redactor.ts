// Replaces an app's secret variable values with [redacted] in text weft logs (the app's output lines, its log records).
import type { Variable } from '../manifest/variables.js';
import type { Env } from './paths.js';
import { readVariableValues, REDACTED } from './variable-values.js';

/** A redactor for the values set at this moment (a session keeps the values it started with); the identity when there are none. */
export function secretRedactor(appId: string, variables: readonly Variable[], env: Env = process.env): (text: string) => string {
  const names = variables.filter((v) => v.secret).map((v) => v.name);
  if (names.length === 0) return (text) => text;
  let stored: Record<string, string> = {};
  try {
    stored = readVariableValues(appId, env);
  } catch {
    // An unreadable values file blocks the launch in the runtime; nothing to redact here.
  }
  // Longest first, so a secret that contains another is replaced whole.
  const secrets = names.flatMap((name) => (stored[name] ? [stored[name]] : [])).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
