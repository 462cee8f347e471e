// `weft-appd install-units [--user-dir DIR] [--enable [--now]]`: argument parsing and output for installUnits().
import { installUnits, InstallUnitsError, type InstallUnitsOptions } from './install-units.js';

export const INSTALL_UNITS_USAGE = `usage: weft-appd install-units [--user-dir DIR] [--enable [--now]] [--node PATH] [--appd PATH]

Writes weft-appd.service, weft-appd.socket and weft-apps.slice with this install's node and
weft-appd paths to DIR (default ~/.config/systemd/user).
  --enable     also run systemctl --user daemon-reload and enable weft-appd.socket weft-appd.service
  --now        with --enable: start them too
  --node PATH  node binary for ExecStart (default: the running node)
  --appd PATH  weft-appd.js for ExecStart (default: this package's dist/bin/weft-appd.js)`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Parses the arguments after `install-units`; throws InstallUnitsError with the offending argument. */
export function parseInstallUnitsArgs(argv: readonly string[]): InstallUnitsOptions & { help?: boolean } {
  const options: InstallUnitsOptions & { help?: boolean } = {};
  const valueFlags: Record<string, 'userDir' | 'node' | 'appdScript'> = { '--user-dir': 'userDir', '--node': 'node', '--appd': 'appdScript' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const key = valueFlags[flag];
    if (key) {
      const value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new InstallUnitsError(`${flag} needs a value`);
      options[key] = value;
    } else if (arg === '--enable') options.enable = true;
    else if (arg === '--now') options.now = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new InstallUnitsError(`unknown argument ${JSON.stringify(arg)}\n${INSTALL_UNITS_USAGE}`);
  }
  if (options.now && !options.enable) throw new InstallUnitsError('--now only makes sense with --enable');
  return options;
}

/** Returns the process exit code: 0 done, 1 failed, 2 bad arguments. */
export async function runInstallUnitsCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let options: ReturnType<typeof parseInstallUnitsArgs>;
  try {
    options = parseInstallUnitsArgs(argv);
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
  if (options.help) {
    io.out(INSTALL_UNITS_USAGE);
    return 0;
  }
  try {
    const result = await installUnits(options);
    for (const unit of result.units) io.out(`${unit.change.padEnd(9)} ${unit.path}`);
    for (const command of result.ran) io.out(`ran       ${command.join(' ')}`);
    if (!options.enable) {
      io.out('next: systemctl --user daemon-reload && systemctl --user enable --now weft-appd');
    }
    return 0;
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
