// Factor weft:app/config (config:read): the app's [variables], with the values the user set; also refuses a launch while a required variable has no value.
import { type Env } from '../../config/paths.js';
import { effectiveValues, missingRequiredMessage, readVariableValues, VariableValuesError } from '../../config/variable-values.js';
import type { Variable } from '../../manifest/variables.js';
import { LoadError } from '../main-thread/load-error.js';
import { defineFactor, err, ok, type WitResult } from './factor.js';

interface ConfigFactorConfig {
  /** Declared name -> effective value (absent when neither set nor defaulted). */
  values: Record<string, string | null>;
}

/**
 * The values of the app's variables as the runtime sees them, checked: throws a LoadError
 * naming each required variable without a value and the command that sets it.
 */
export function loadVariables(appId: string, variables: readonly Variable[], env: Env): Map<string, string | undefined> {
  if (variables.length === 0) return new Map();
  let stored;
  try {
    stored = readVariableValues(appId, env);
  } catch (error) {
    if (error instanceof VariableValuesError) throw new LoadError(error.message);
    throw error;
  }
  const missing = missingRequiredMessage(appId, variables, stored);
  if (missing) throw new LoadError(missing);
  return effectiveValues(variables, stored);
}

export const configFactor = defineFactor<ConfigFactorConfig>({
  name: 'config',
  grant(grants, session) {
    // Runs for every session, granted or not: a required variable blocks the launch either way.
    const values = loadVariables(session.appId, session.variables ?? [], session.env);
    if (!grants.some((g) => g.kind === 'config')) return null;
    return { values: Object.fromEntries([...values].map(([name, value]) => [name, value ?? null])) };
  },
  guest: (config) => ({
    'weft:app/config': {
      get(name: string): WitResult<string | undefined> {
        if (!Object.hasOwn(config.values, name)) return err(`config: the manifest declares no variable "${name}"; add it under [variables] in wapp.toml`);
        return ok(config.values[name] ?? undefined);
      },
    },
  }),
});
