#!/usr/bin/env node
// weft-pack: check, inspect, bundle, sign and install WEFT app packages. Exit 0 ok, 1 invalid or failed, 2 usage.
import { weftVersion } from '../appd/version.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_USAGE } from '../pack/cli-output.js';
import {
  runBundle,
  runCheck,
  runGenerateKey,
  runInfo,
  runInstall,
  runList,
  runSign,
  runUnbundle,
  runUninstall,
  runVerify,
} from '../pack/cli-commands.js';

function finish(code: number): void {
  process.exitCode = code;
}

const storeOption = {
  type: 'string',
  describe: 'store root to use instead of $WEFT_APP_STORE / ~/.local/share/weft/apps',
  requiresArg: true,
} as const;

const jsonOption = { type: 'boolean', default: false, describe: 'print one JSON document on stdout (for scripts)' } as const;

await yargs(hideBin(process.argv))
  .scriptName('weft-pack')
  .usage('$0 <command> [options]\n\nCheck, inspect, bundle, sign and install WEFT app packages.')
  .option('json', jsonOption)
  .command(
    'check <dir>',
    'report every problem with a package directory (exit 1 on errors)',
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'package directory (holds wapp.toml)' })
        .option('strict', { type: 'boolean', default: false, describe: 'fail on warnings too' }),
    async (argv) => finish(await runCheck(argv.dir, { json: argv.json, strict: argv.strict })),
  )
  .command(
    'info <target>',
    'show metadata, capabilities, module kind, imports/exports, size and content hash',
    (y) => y.positional('target', { type: 'string', demandOption: true, describe: 'package directory, or an installed app id' }).option('store', storeOption),
    async (argv) => finish(await runInfo(argv.target, { json: argv.json, ...(argv.store !== undefined ? { store: argv.store } : {}) })),
  )
  .command(
    'install <source>',
    'check, precompile and atomically install a package directory or .app.tar.zst bundle',
    (y) =>
      y
        .positional('source', { type: 'string', demandOption: true, describe: 'package directory or <id>.app.tar.zst' })
        .option('store', storeOption)
        .option('force', { type: 'boolean', default: false, describe: 'replace an installed package with the same id' })
        .option('strict', { type: 'boolean', default: false, describe: 'refuse packages with warnings' })
        .option('require-signature', { type: 'boolean', default: false, describe: 'refuse unless signature.sig verifies with a trusted key' })
        .option('trusted-key', { type: 'string', array: true, default: [] as string[], requiresArg: true, describe: 'trusted public key file (weft-sign.pub); repeatable' })
        .option('trusted-keys-dir', {
          type: 'string',
          requiresArg: true,
          describe: 'directory of trusted *.pub keys (default with --require-signature: $XDG_CONFIG_HOME/weft/trusted-keys)',
        }),
    async (argv) =>
      finish(
        await runInstall(argv.source, {
          json: argv.json,
          force: argv.force,
          strict: argv.strict,
          requireSignature: argv.requireSignature,
          trustedKey: argv.trustedKey.map(String),
          ...(argv.store !== undefined ? { store: argv.store } : {}),
          ...(argv.trustedKeysDir !== undefined ? { trustedKeysDir: argv.trustedKeysDir } : {}),
        }),
      ),
  )
  .command(
    'uninstall <id>',
    'remove an installed app (atomically unlinks it, then deletes its files)',
    (y) => y.positional('id', { type: 'string', demandOption: true, describe: 'app id' }).option('store', storeOption),
    async (argv) => finish(await runUninstall(argv.id, { json: argv.json, ...(argv.store !== undefined ? { store: argv.store } : {}) })),
  )
  .command(
    'list',
    'list installed apps',
    (y) => y.option('store', storeOption),
    async (argv) => finish(await runList({ json: argv.json, ...(argv.store !== undefined ? { store: argv.store } : {}) })),
  )
  .command(
    'bundle <dir>',
    'write <id>.app.tar.zst from a checked package directory',
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'package directory' })
        .option('out', { alias: 'o', type: 'string', requiresArg: true, describe: 'output file, or a directory to put <id>.app.tar.zst in' }),
    async (argv) => finish(await runBundle(argv.dir, { json: argv.json, ...(argv.out !== undefined ? { out: argv.out } : {}) })),
  )
  .command(
    'unbundle <archive>',
    'safely unpack a bundle into <dir>/<id>',
    (y) =>
      y
        .positional('archive', { type: 'string', demandOption: true, describe: '<id>.app.tar.zst' })
        .option('directory', { alias: 'C', type: 'string', default: '.', requiresArg: true, describe: 'where to create the <id> folder' }),
    async (argv) => finish(await runUnbundle(argv.archive, { json: argv.json, into: argv.directory })),
  )
  .command(
    'generate-key [dir]',
    'write a new Ed25519 key pair: weft-sign.key (0600) and weft-sign.pub',
    (y) =>
      y
        .positional('dir', { type: 'string', default: '.', describe: 'where to write the key files' })
        .option('force', { type: 'boolean', default: false, describe: 'overwrite existing key files' }),
    async (argv) => finish(await runGenerateKey(argv.dir, { json: argv.json, force: argv.force })),
  )
  .command(
    'sign <dir>',
    'sign a package: writes signature.files and signature.sig (WEFT format)',
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'package directory' })
        .option('key', { type: 'string', demandOption: true, requiresArg: true, describe: 'private key file (weft-sign.key)' }),
    async (argv) => finish(await runSign(argv.dir, { json: argv.json, key: argv.key })),
  )
  .command(
    'verify <dir>',
    "check a package's signature.sig against a public key; names changed files",
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'package directory' })
        .option('key', { type: 'string', demandOption: true, requiresArg: true, describe: 'public key file (weft-sign.pub)' }),
    async (argv) => finish(await runVerify(argv.dir, { json: argv.json, key: argv.key })),
  )
  .demandCommand(1, 'give a command; see weft-pack --help')
  .strict()
  .version(weftVersion())
  .help()
  .alias('h', 'help')
  .wrap(Math.min(100, process.stdout.columns ?? 100))
  .fail((message, cause) => {
    // Handlers catch their own errors (cli-commands' guarded()); anything else here is yargs
    // reporting bad usage, with or without a YError.
    if (cause && cause.name !== 'YError') throw cause;
    process.stderr.write(`weft-pack: ${message ?? cause?.message}\nRun weft-pack --help for usage.\n`);
    process.exit(EXIT_USAGE);
  })
  .parseAsync();
