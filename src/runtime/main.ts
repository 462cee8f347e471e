// weft-runtime's main thread: argv (or the standby line), lifeline, and the end of the process with a status weft-appd can read.
import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { parseArgs, UsageError, USAGE, type RuntimeArgs, type SessionArgs } from './args.js';
import { EXIT } from './exit-codes.js';
import { watchLifeline } from './lifeline.js';
import { say } from './say.js';
import { runSession } from './session.js';

/** How long a closing IPC socket may take to flush the app's last messages. */
const IPC_FLUSH_MS = 500;

function parseStandbyLine(line: string): SessionArgs {
  let argv: unknown;
  try {
    argv = (JSON.parse(line) as { argv?: unknown }).argv;
  } catch {
    throw new UsageError('standby: the session line is not JSON; expected {"argv": ["<app_id>", "<session_id>", ...]}');
  }
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    throw new UsageError('standby: expected {"argv": [strings]} on stdin');
  }
  const parsed = parseArgs(argv as string[]);
  if (parsed.mode !== 'session') throw new UsageError('standby: the session argv must be "<app_id> <session_id> [options]"');
  return parsed;
}

/**
 * Runs weft-runtime. `worker` is the wasm thread, started by the bin script before this module
 * was even loaded so that its boot (Node environment, preview2-shim) overlaps everything here;
 * `booted` resolves when it has booted (the bin listens from the start, so the news is not lost).
 */
export async function runtimeMain(argv: readonly string[], worker: Worker, booted: Promise<void>): Promise<void> {
  let ending = false;
  let ipcSocket: Socket | null = null;
  const end = (code: number, reason: string | null): void => {
    if (ending) return;
    ending = true;
    if (reason) say(reason);
    const exit = (): never => process.exit(code);
    // process.exit also stops the wasm thread, even mid-loop or in Atomics.wait.
    if (ipcSocket && !ipcSocket.destroyed && ipcSocket.writableLength > 0) {
      ipcSocket.end(exit);
      setTimeout(exit, IPC_FLUSH_MS).unref();
    } else {
      exit();
    }
  };

  let args: RuntimeArgs;
  try {
    args = parseArgs(argv);
  } catch (cause) {
    if (!(cause instanceof UsageError)) throw cause;
    say(cause.message);
    writeSync(2, `${USAGE}\n`);
    return end(EXIT.USAGE, null);
  }
  if (args.mode === 'help') {
    writeSync(1, `${USAGE}\n`);
    return end(0, null);
  }

  worker.on('error', (error) => end(EXIT.INTERNAL, `the wasm thread failed: ${error.stack ?? error.message}`));
  worker.on('exit', (status) => end(EXIT.TRAP, `the wasm thread stopped unexpectedly (status ${status}); see the messages above`));
  const lifeline = watchLifeline(end);

  let session: SessionArgs;
  if (args.mode === 'standby') {
    await booted;
    await import('node:net'); // the IPC socket's module, so a session pays for nothing generic
    (await import('./standby-warmup.js')).warmUp();
    writeSync(1, 'STANDBY\n');
    try {
      session = parseStandbyLine(await lifeline.firstLine());
    } catch (cause) {
      if (cause instanceof UsageError) return end(EXIT.USAGE, cause.message);
      return end(EXIT.PARENT_GONE, `standby: ${(cause as Error).message}`);
    }
  } else {
    session = args;
  }

  await runSession(session, worker, process.env, {
    say,
    end,
    setIpcSocket(socket) {
      ipcSocket = socket;
      socket.on('close', () => end(EXIT.PARENT_GONE, 'the IPC socket closed: weft-appd ended the session'));
      socket.on('error', () => {}); // 'close' follows and says it
    },
  });
}
