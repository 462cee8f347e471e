// weftctl's command line (yargs): parses arguments, runs one command, maps failures to a message and exit code 1.
import yargs, { type Argv } from 'yargs';
import { weftVersion } from '../appd/version.js';
import { appdSocketPath } from '../config/paths.js';
import { DaemonUnavailableError } from '../protocol/client.js';
import * as commands from './commands.js';
import { inertLines } from './inert.js';
import * as configCommands from './config-commands.js';
import * as scheduleCommands from './schedule-commands.js';
import { CtlError } from './session-client.js';
import * as web from './web.js';

// Everything weftctl prints passes through inertLines: app and manifest text cannot drive the terminal.
const stdio: commands.Io = {
  out: (text) => process.stdout.write(`${inertLines(text)}\n`),
  err: (text) => process.stderr.write(`${inertLines(text)}\n`),
};

function defaultSocket(): string | undefined {
  try {
    return appdSocketPath(process.env);
  } catch {
    return undefined;
  }
}

/** The global options; yargs' types do not carry them into each command's handler, so they are read here. */
function common(argv: Record<string, unknown>): commands.Common {
  const socket = argv.socket;
  if (typeof socket !== 'string' || socket.length === 0) {
    throw new CtlError('no daemon socket: set XDG_RUNTIME_DIR or WEFT_APPD_SOCKET, or pass --socket <path>');
  }
  return { socket, json: argv.json === true };
}

function sessionIdArg(y: Argv) {
  return y.positional('sid', {
    type: 'string',
    demandOption: true,
    describe: 'session id (see weftctl ps)',
    coerce: (value: unknown) => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new CtlError(`a session id is a whole number (see weftctl ps), got "${String(value)}"`);
      return n;
    },
  });
}

/** A value piped to `config set`, without one trailing newline (what `echo` adds). */
async function readStdinValue(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Runs weftctl with `args` (argv without node and the script); resolves with the exit code. */
export async function runCtl(args: string[], io: commands.Io = stdio): Promise<number> {
  let exitCode = 0;
  const run = (task: () => Promise<void>) =>
    task().catch((error: unknown) => {
      exitCode = 1;
      if (error instanceof DaemonUnavailableError || error instanceof CtlError) io.err(`weftctl: ${error.message}`);
      else io.err(`weftctl: ${error instanceof Error ? error.message : String(error)}`);
    });
  const timeout = { type: 'number', default: 60_000, describe: 'give up waiting after this many ms' } as const;

  await yargs(args)
    .scriptName('weftctl')
    .usage('$0 <command> [options]\n\nControls the weft app supervisor (weft-appd).')
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts instead of tables' })
    .option('socket', { type: 'string', default: defaultSocket(), defaultDescription: '$WEFT_APPD_SOCKET or $XDG_RUNTIME_DIR/weft/appd.sock', describe: 'daemon socket' })
    .command('apps', 'list installed apps', {}, (argv) => run(async () => commands.apps(io, common(argv))))
    .command(
      'launch <id>',
      'launch an app',
      (y) =>
        y
          .positional('id', { type: 'string', demandOption: true, describe: 'app id, e.g. org.weft.demo.counter' })
          .option('wait', { type: 'boolean', default: false, describe: 'return once the app is READY, or fail with the reason it stopped' })
          .option('timeout', timeout),
      (argv) => run(async () => commands.launch(io, common(argv), argv.id, argv.wait, argv.timeout)),
    )
    .command('ps', 'list running sessions', {}, (argv) => run(async () => commands.ps(io, common(argv))))
    .command('state <sid>', 'show one session (state, pid, ready time, restarts, usage, last exit)', sessionIdArg, (argv) =>
      run(async () => commands.state(io, common(argv), argv.sid)),
    )
    .command(
      'send <sid> <payload>',
      "send an IPC message to a session's app",
      (y) =>
        sessionIdArg(y)
          .positional('payload', { type: 'string', demandOption: true, describe: 'one line of text' })
          .option('reply', { type: 'boolean', default: false, describe: "wait for the app's next IPC message and print it" })
          .option('timeout', { ...timeout, default: 10_000 }),
      (argv) => run(async () => commands.send(io, common(argv), argv.sid, argv.payload, argv.reply, argv.timeout)),
    )
    .command('stop <sid>', 'stop a session (SIGTERM, grace period, then SIGKILL)', sessionIdArg, (argv) => run(async () => commands.stop(io, common(argv), argv.sid)))
    .command('watch', 'print events (ready, state changes, IPC messages) as they happen', {}, (argv) => run(async () => commands.watch(io, common(argv))))
    .command('status', 'show the daemon status', {}, (argv) => run(async () => commands.status(io, common(argv))))
    .command(
      'dashboard',
      "open weft's dashboard in the browser",
      (y) => y.option('print-url', { type: 'boolean', default: false, describe: 'print the URL (credential in the fragment) instead of opening it' }),
      (argv) => run(async () => web.dashboard(io, common(argv), argv['print-url'])),
    )
    .command(
      'open <target>',
      "open a session's UI in the browser (an app id launches the app unless it runs)",
      (y) =>
        y
          .positional('target', { type: 'string', demandOption: true, describe: 'app id or session id' })
          .option('print-url', { type: 'boolean', default: false, describe: 'print the URL instead of opening it' })
          .option('timeout', timeout),
      (argv) => run(async () => web.open(io, common(argv), argv.target, argv['print-url'], argv.timeout)),
    )
    .command('config', "set, unset or list an installed app's [variables] (settings and secrets)", (y) =>
      y
        .command(
          'set <id> <name> [value]',
          'set a variable; without [value] it is read from stdin (keeps a secret out of the process list and shell history)',
          (c) => c.positional('id', { type: 'string', demandOption: true }).positional('name', { type: 'string', demandOption: true }).positional('value', { type: 'string' }),
          (argv) => run(async () => configCommands.configSet(io, argv.id, argv.name, argv.value ?? (await readStdinValue()))),
        )
        .command(
          'unset <id> <name>',
          'remove a value set with config set (the default, if any, applies again)',
          (c) => c.positional('id', { type: 'string', demandOption: true }).positional('name', { type: 'string', demandOption: true }),
          (argv) => run(async () => configCommands.configUnset(io, argv.id, argv.name)),
        )
        .command('list <id>', 'list the variables, their values (secrets redacted) and where each comes from', (c) => c.positional('id', { type: 'string', demandOption: true }), (argv) =>
          run(async () => configCommands.configList(io, { json: argv.json === true }, argv.id)),
        )
        .demandCommand(1, 'give config set, unset or list'),
    )
    .command('schedules', "list installed apps' [[schedules]] with their next run", {}, (argv) => run(async () => scheduleCommands.schedules(io, { json: argv.json === true })))
    .completion('completion', 'print a shell completion script (source it from ~/.bashrc or ~/.zshrc)')
    .demandCommand(1, 'give a command; see weftctl --help')
    .strict()
    .fail((message, error, y) => {
      exitCode = 1;
      if (error) io.err(`weftctl: ${error.message}`);
      else io.err(`weftctl: ${message}\nrun weftctl --help for usage`);
    })
    .version(weftVersion())
    .help()
    .parseAsync();
  return exitCode;
}
