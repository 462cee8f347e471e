// One finding about a package: where it is, what is wrong, how to fix it; errors block, warnings inform.

export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /** The key (`package.id`), file (`app.wasm`) or `wapp.toml:3:7` the problem is about. */
  where: string;
  message: string;
  /** What the author should do about it. */
  hint?: string;
}

export function error(where: string, message: string, hint?: string): Problem {
  return hint === undefined ? { severity: 'error', where, message } : { severity: 'error', where, message, hint };
}

export function warning(where: string, message: string, hint?: string): Problem {
  return hint === undefined ? { severity: 'warning', where, message } : { severity: 'warning', where, message, hint };
}

/** `error: package.id: … (hint: …)` — the line format `weft-pack check` prints and golden files hold. */
export function formatProblem(problem: Problem): string {
  const hint = problem.hint ? `\n  hint: ${problem.hint}` : '';
  return `${problem.severity}: ${problem.where}: ${problem.message}${hint}`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
