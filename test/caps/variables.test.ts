// [variables] validation as weft-pack check reports it (through the real CLI), and the log record format with secrets redacted.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/parse.js';
import { formatLogRecord } from '../../src/runtime/factors/log.js';
import { REPO_ROOT } from '../support/fixture-apps.js';

const BASE = '[package]\nid = "org.test.vars"\nname = "V"\nversion = "1.0.0"\ncapabilities = ["config:read"]\n[runtime]\nmodule = "app.wasm"\n';
const scratch = mkdtempSync(join(tmpdir(), 'weft-vars-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(variables: string): string[] {
  return parseManifest(`${BASE}[variables]\n${variables}`).problems.map((p) => `${p.where}: ${p.message}`);
}

describe('[variables]', () => {
  it('accepts defaults, secrets and required variables', () => {
    const result = parseManifest(`${BASE}[variables]\napi_url = { default = "https://x" }\napi_key = { secret = true, required = true }\n`);
    expect(result.problems).toEqual([]);
    expect(result.manifest?.variables).toEqual([
      { name: 'api_url', default: 'https://x', secret: false, required: false },
      { name: 'api_key', secret: true, required: true },
    ]);
  });

  it('names what is wrong with each bad declaration', () => {
    expect(problemsOf('Bad = { default = "x" }')).toEqual(['variables.Bad: "Bad" is not a variable name: use 1-64 of a-z, 0-9 and "_", starting with a letter']);
    expect(problemsOf('k = { secret = true, default = "x" }')).toEqual(['variables.k.default: a secret has no default: a package is public, so its value would not be secret']);
    expect(problemsOf('k = { required = true, default = "x" }')).toEqual(['variables.k.required: a variable with a default always has a value, so "required" has no meaning']);
    expect(problemsOf('k = { default = 3 }')).toEqual(['variables.k.default: must be a string']);
    expect(problemsOf('k = { secret = "yes" }')).toEqual(['variables.k.secret: must be true or false']);
    expect(problemsOf('k = { hidden = true }')).toEqual(['variables.k.hidden: unknown key']);
    expect(problemsOf('k = "x"')).toEqual(['variables.k: must be an inline table']);
  });

  it('weft-pack check rejects a package with a bad [variables] entry, naming the key', () => {
    const dir = join(scratch, 'caps');
    cpSync(join(REPO_ROOT, 'apps', 'caps'), dir, { recursive: true });
    const toml = readFileSync(join(dir, 'wapp.toml'), 'utf8').replace('api_key = { secret = true, required = true }', 'api_key = { secret = true, default = "oops" }');
    writeFileSync(join(dir, 'wapp.toml'), toml);
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/bin/weft-pack.js'), 'check', dir], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('variables.api_key.default');
    expect(result.stdout + result.stderr).toContain('a secret has no default');
  });
});

describe('log records', () => {
  it('carry level, message and fields as one JSON line, with secret values redacted everywhere', () => {
    expect(formatLogRecord('warn', 'key sk-1 failed', [['token', 'sk-1'], ['sk-1', 'v']], ['sk-1'])).toBe(
      'app-log {"level":"warn","msg":"key [redacted] failed","fields":{"token":"[redacted]","[redacted]":"v"}}',
    );
  });
});
