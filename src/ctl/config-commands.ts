// weftctl config set|unset|list: the values of an installed app's [variables], kept in a 0600 file (no daemon needed); secrets never printed.
import { readVariableValues, REDACTED, setCommand, writeVariableValues, VariableValuesError } from '../config/variable-values.js';
import { loadManifest } from '../manifest/load.js';
import { variableNameProblem, type Variable, MAX_VARIABLE_VALUE_BYTES } from '../manifest/variables.js';
import { resolveInstalled } from '../store/resolve.js';
import type { Common, Io } from './commands.js';
import { table } from './format.js';
import { CtlError } from './session-client.js';

async function declared(appId: string): Promise<Variable[]> {
  let variables: Variable[];
  try {
    const installed = await resolveInstalled(appId);
    variables = (await loadManifest(installed.packageDir)).variables;
  } catch (error) {
    throw new CtlError(error instanceof Error ? error.message : String(error));
  }
  return variables;
}

function find(appId: string, variables: readonly Variable[], name: string): Variable {
  const problem = variableNameProblem(name);
  if (problem) throw new CtlError(problem);
  const variable = variables.find((v) => v.name === name);
  if (!variable) {
    const known = variables.length === 0 ? 'it declares no variables' : `it declares: ${variables.map((v) => v.name).join(', ')}`;
    throw new CtlError(`${appId} has no variable "${name}" in its [variables]; ${known}`);
  }
  return variable;
}

function stored(appId: string): Record<string, string> {
  try {
    return readVariableValues(appId);
  } catch (error) {
    if (error instanceof VariableValuesError) throw new CtlError(error.message);
    throw error;
  }
}

export async function configSet(io: Io, appId: string, name: string, value: string): Promise<void> {
  const variable = find(appId, await declared(appId), name);
  if (Buffer.byteLength(value) > MAX_VARIABLE_VALUE_BYTES) throw new CtlError(`the value is ${Buffer.byteLength(value)} bytes; a variable holds at most ${MAX_VARIABLE_VALUE_BYTES}`);
  const values = stored(appId);
  values[name] = value;
  writeVariableValues(appId, values);
  io.out(`set ${appId} ${name}${variable.secret ? ' (secret)' : ''}; running sessions see it after a restart`);
}

export async function configUnset(io: Io, appId: string, name: string): Promise<void> {
  const variable = find(appId, await declared(appId), name);
  const values = stored(appId);
  delete values[name];
  writeVariableValues(appId, values);
  io.out(`unset ${appId} ${name}${variable.required ? ` (required: the app will not start until \`${setCommand(appId, name)}\`)` : ''}`);
}

export async function configList(io: Io, common: Pick<Common, 'json'>, appId: string): Promise<void> {
  const variables = await declared(appId);
  const values = stored(appId);
  const rows = variables.map((v) => {
    const set = Object.hasOwn(values, v.name);
    const shown = set ? (v.secret ? REDACTED : values[v.name]) : (v.default ?? null);
    return { name: v.name, value: shown, source: set ? 'set' : v.default !== undefined ? 'default' : 'unset', secret: v.secret, required: v.required };
  });
  if (common.json) {
    io.out(JSON.stringify(rows));
    return;
  }
  if (rows.length === 0) {
    io.out(`${appId} declares no variables`);
    return;
  }
  io.out(
    table(
      ['NAME', 'VALUE', 'SOURCE', 'FLAGS'],
      rows.map((r) => [r.name, r.value ?? '-', r.source, [r.secret ? 'secret' : '', r.required ? 'required' : ''].filter(Boolean).join(',') || '-']),
    ),
  );
}
