// Installs weft's systemd --user units with this install's real node and weft-appd paths filled in.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The unit files shipped in infra/systemd/, in the order they are written. */
export const UNIT_FILES = ['weft-apps.slice', 'weft-appd.socket', 'weft-appd.service'] as const;

export interface InstallUnitsOptions {
  /** Where to write; default $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user. */
  userDir?: string;
  /** Node binary for ExecStart; default the one running this code. */
  node?: string;
  /** weft-appd entry script for ExecStart; default dist/bin/weft-appd.js of this package. */
  appdScript?: string;
  /** Folder holding the templates; default infra/systemd/ of this package. */
  templatesDir?: string;
  /** Run `systemctl --user daemon-reload` and `enable weft-appd.socket weft-appd.service`. */
  enable?: boolean;
  /** With enable: also start them (`enable --now`). */
  now?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface InstalledUnit {
  name: string;
  path: string;
  change: 'created' | 'updated' | 'unchanged';
}

export interface InstallUnitsResult {
  userDir: string;
  units: InstalledUnit[];
  /** The systemctl command lines that were run (empty without `enable`). */
  ran: string[][];
}

export class InstallUnitsError extends Error {
  constructor(message: string) {
    super(`install-units: ${message}`);
    this.name = 'InstallUnitsError';
  }
}

/** The package root: this file is dist/systemd/install-units.js (or src/systemd/… under vitest). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function defaultUserUnitDir(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(config, 'systemd', 'user');
}

/**
 * One ExecStart= word for a path: `%` and `$` doubled (systemd would expand specifiers and
 * variables in them), and double quotes when the path has characters systemd splits or unescapes.
 */
export function quoteExecArg(word: string): string {
  if (!isAbsolute(word)) throw new InstallUnitsError(`${JSON.stringify(word)} is not an absolute path; systemd needs absolute paths in ExecStart=`);
  if (/[\n\r\0]/.test(word)) throw new InstallUnitsError(`${JSON.stringify(word)} contains a control character that cannot appear in a unit file`);
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9/._+:@=,%$-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Fills the service template's placeholders; refuses to leave any `@NAME@` behind. */
export function renderUnit(name: string, template: string, values: { node: string; appdScript: string }): string {
  // Function replacements: a string replacement would turn the `$$` of quoteExecArg back into `$`.
  const node = quoteExecArg(values.node);
  const appd = quoteExecArg(values.appdScript);
  const text = template.replace(/@NODE@/g, () => node).replace(/@WEFT_APPD_JS@/g, () => appd);
  const left = /@[A-Z][A-Z0-9_]*@/.exec(text);
  if (left) throw new InstallUnitsError(`${name}: placeholder ${left[0]} has no value (template from a newer weft?)`);
  return text;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { env, timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolvePromise();
      const detail = stderr.trim() || error.message;
      reject(new InstallUnitsError(`\`${[command, ...args].join(' ')}\` failed: ${detail}`));
    });
  });
}

async function writeIfChanged(path: string, text: string): Promise<InstalledUnit['change']> {
  let before: string | undefined;
  try {
    before = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (before === text) return 'unchanged';
  // Write-then-rename: a daemon-reload running meanwhile never reads half a unit.
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode: 0o644 });
  await rename(temp, path);
  return before === undefined ? 'created' : 'updated';
}

export async function installUnits(options: InstallUnitsOptions = {}): Promise<InstallUnitsResult> {
  const env = options.env ?? process.env;
  const root = packageRoot();
  const templatesDir = options.templatesDir ?? join(root, 'infra', 'systemd');
  const userDir = resolve(options.userDir ?? defaultUserUnitDir(env));
  const node = options.node ?? process.execPath;
  const appdScript = resolve(options.appdScript ?? join(root, 'dist', 'bin', 'weft-appd.js'));
  if (!existsSync(node)) throw new InstallUnitsError(`node binary ${node} does not exist`);
  if (!existsSync(appdScript)) {
    throw new InstallUnitsError(`${appdScript} does not exist; build weft first (npm run build) or pass the path of weft-appd.js`);
  }

  await mkdir(userDir, { recursive: true });
  const units: InstalledUnit[] = [];
  for (const name of UNIT_FILES) {
    const templatePath = join(templatesDir, name);
    let template: string;
    try {
      template = await readFile(templatePath, 'utf8');
    } catch (error) {
      throw new InstallUnitsError(`cannot read template ${templatePath}: ${(error as Error).message}`);
    }
    const path = join(userDir, name);
    const change = await writeIfChanged(path, renderUnit(name, template, { node, appdScript }));
    units.push({ name, path, change });
  }

  const ran: string[][] = [];
  if (options.enable) {
    const commands = [
      ['--user', 'daemon-reload'],
      ['--user', 'enable', ...(options.now ? ['--now'] : []), 'weft-appd.socket', 'weft-appd.service'],
    ];
    for (const args of commands) {
      await run('systemctl', args, env);
      ran.push(['systemctl', ...args]);
    }
  }
  return { userDir, units, ran };
}
