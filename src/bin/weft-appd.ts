#!/usr/bin/env node
// weft-appd: the per-user app supervisor daemon (WEFT-compatible socket protocol); see docs/architecture/appd.md.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { killAllChildrenNow } from '../appd/children.js';
import { ConfigError, readConfig } from '../appd/config.js';
import { Daemon } from '../appd/daemon.js';
import { AlreadyRunningError, inheritedListenFd } from '../appd/server/listen.js';
import { weftVersion } from '../appd/version.js';
import { createLogger, type Logger } from '../log/logger.js';

function exitAfterFlush(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
  // Never hang on a stuck log destination.
  setTimeout(() => process.exit(code), 1000).unref();
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('weft-appd')
    .usage('$0 [--no-restore]\n\nRuns the weft app supervisor on $WEFT_APPD_SOCKET or $XDG_RUNTIME_DIR/weft/appd.sock.')
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
    if (error instanceof ConfigError || error instanceof Error) {
      process.stderr.write(`weft-appd: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const log = createLogger('weft-appd');
  // Whatever ends this process from here on, no runtime is left behind.
  process.on('exit', () => killAllChildrenNow());
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error.stack ?? error.message }, 'uncaught exception; killing all sessions and exiting');
    killAllChildrenNow();
    exitAfterFlush(log, 70);
  });

  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ config, env: process.env, log, listenFd: inheritedListenFd(process.env, process.pid) });
  } catch (error) {
    const message = (error as Error).message;
    log.error({ err: message }, 'weft-appd cannot start');
    if (!process.stdout.isTTY) process.stderr.write(`weft-appd: ${message}\n`);
    killAllChildrenNow();
    exitAfterFlush(log, error instanceof AlreadyRunningError || error instanceof ConfigError ? 1 : 70);
    return;
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal during shutdown: killing all sessions now');
      killAllChildrenNow();
      exitAfterFlush(log, 1);
      return;
    }
    signalled = true;
    daemon.shutdown(signal).then(
      () => exitAfterFlush(log, 0),
      (error: Error) => {
        log.error({ err: error.stack ?? error.message }, 'shutdown failed; killing all sessions');
        killAllChildrenNow();
        exitAfterFlush(log, 1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
}

await main();
