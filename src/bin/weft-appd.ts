#!/usr/bin/env node
// weft-appd: the per-user app supervisor daemon (WEFT-compatible socket protocol); see docs/architecture/appd.md.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { killAllChildrenNow } from '../appd/children.js';
import { ConfigError, readConfig } from '../appd/config.js';
import { Daemon } from '../appd/daemon.js';
import { AlreadyRunningError } from '../appd/server/listen.js';
import { weftVersion } from '../appd/version.js';
import { createLogger, type Logger } from '../log/logger.js';
import { runInstallUnitsCli } from '../systemd/install-units-cli.js';
import { takeListenFds } from '../systemd/listen-fds.js';
import { createSdNotifier } from '../systemd/notify.js';
import { startWatchdog } from '../systemd/watchdog.js';

function exitAfterFlush(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
  // Never hang on a stuck log destination.
  setTimeout(() => process.exit(code), 1000).unref();
}

async function main(): Promise<void> {
  // `weft-appd install-units …` writes the systemd --user units instead of running the daemon.
  if (process.argv[2] === 'install-units') {
    process.exitCode = await runInstallUnitsCli(process.argv.slice(3));
    return;
  }
  const argv = await yargs(hideBin(process.argv))
    .scriptName('weft-appd')
    .usage('$0 [--no-restore]\n\nRuns the weft app supervisor on $WEFT_APPD_SOCKET or $XDG_RUNTIME_DIR/weft/appd.sock.')
    // Handled above, before yargs; listed here so --help shows it.
    .command('install-units', 'write weft-appd.service, weft-appd.socket and weft-apps.slice for systemd --user (see `weft-appd install-units --help`)')
    .option('restore', {
      type: 'boolean',
      default: true,
      describe: 'relaunch the apps that were running at the last shutdown (--no-restore or WEFT_RESTORE=0 to skip)',
    })
    .strict()
    .version(weftVersion())
    .help()
    .parse();

  let config;
  try {
    config = readConfig(process.env, { restore: argv.restore });
  } catch (error) {
    process.stderr.write(`weft-appd: ${(error as Error).message}\n`);
    process.exit(2);
  }

  const log = createLogger('weft-appd');
  // Under systemd: sd_notify (READY/STATUS/STOPPING) and watchdog pings from this event loop; both
  // take their variables out of process.env so no runtime inherits them (no-ops outside systemd).
  const notifier = createSdNotifier(process.env, { onError: (error) => log.warn({ err: error.message }, 'sd_notify failed') });
  startWatchdog(notifier);
  // Whatever ends this process from here on, no runtime is left behind.
  process.on('exit', () => killAllChildrenNow());
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error.stack ?? error.message }, 'uncaught exception; killing all sessions and exiting');
    killAllChildrenNow();
    exitAfterFlush(log, 70);
  });

  // Signals are handled from the start: one that arrives while appd is still starting stops it right after.
  let daemon: Daemon | null = null;
  let requested: NodeJS.Signals | null = null;
  const shutdown = (running: Daemon, signal: NodeJS.Signals) =>
    running.shutdown(signal).then(
      () => exitAfterFlush(log, 0),
      (error: Error) => {
        log.error({ err: error.stack ?? error.message }, 'shutdown failed; killing all sessions');
        killAllChildrenNow();
        exitAfterFlush(log, 1);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      log.warn({ signal }, 'second signal during shutdown: killing all sessions now');
      killAllChildrenNow();
      exitAfterFlush(log, 1);
      return;
    }
    requested = signal;
    if (daemon) void shutdown(daemon, signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);

  try {
    daemon = await Daemon.start({ config, env: process.env, log, notifier, listenFd: takeListenFds(process.env, process.pid)?.fd ?? null });
  } catch (error) {
    const message = (error as Error).message;
    log.error({ err: message }, 'weft-appd cannot start');
    if (!process.stdout.isTTY) process.stderr.write(`weft-appd: ${message}\n`);
    killAllChildrenNow();
    exitAfterFlush(log, error instanceof AlreadyRunningError || error instanceof ConfigError ? 1 : 70);
    return;
  }
  if (requested) void shutdown(daemon, requested);
}

await main();
