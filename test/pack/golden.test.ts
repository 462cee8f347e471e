// Golden tests: `weft-pack check` stderr for each invalid package, and `info --json` for each valid one (UPDATE_GOLDEN=1 rewrites them).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, GOLDEN, runCli } from './helpers.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const invalidDir = join(GOLDEN, 'invalid');
const validDir = join(GOLDEN, 'valid');
const invalidCases = readdirSync(invalidDir).sort();
const validCases = readdirSync(validDir).sort();

function extraArgs(caseDir: string): string[] {
  const file = join(caseDir, 'args');
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean) : [];
}

beforeAll(() => ensureBuilt());

describe('golden: invalid packages', () => {
  it('has a case for every check family (at least 20)', () => {
    expect(invalidCases.length).toBeGreaterThanOrEqual(20);
  });

  it.concurrent.each(invalidCases)('%s', async (name) => {
    const caseDir = join(invalidDir, name);
    // cwd is the group folder, so the package path in messages is just the case name.
    const result = await runCli(['check', name, ...extraArgs(caseDir)], { cwd: invalidDir });
    const expectedPath = join(caseDir, 'expected.err');
    if (UPDATE) writeFileSync(expectedPath, result.stderr);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(readFileSync(expectedPath, 'utf8'));
  });
});

describe('golden: valid packages', () => {
  it.concurrent.each(validCases)('%s passes check', async (name) => {
    const result = await runCli(['check', 'package'], { cwd: join(validDir, name) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^package: ok \(/);
  });

  it.concurrent.each(validCases)('%s info --json', async (name) => {
    const result = await runCli(['info', 'package', '--json'], { cwd: join(validDir, name) });
    expect(result.code, result.stderr).toBe(0);
    const expectedPath = join(validDir, name, 'expected-info.json');
    if (UPDATE) writeFileSync(expectedPath, result.stdout);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
  });
});
