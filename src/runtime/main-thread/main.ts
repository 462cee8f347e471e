// weft-runtime's main thread: argv (or the standby line, after a warm runtime's preparation), lifeline, and the end of the process with a status weft-appd can read.
import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { parseArgs, parseStandbyLine, UsageError, USAGE, type RuntimeArgs, type SessionArgs } from '../../protocol/runtime-argv.js';
import type { OutcomeReason } from '../../protocol/runtime-control.js';
import { EXIT, reasonForStatus } from '../../protocol/runtime-exit.js';
import { openControl, type ControlChannel } from '../both-threads/control.js';
import { watchLifeline } from './lifeline.js';
import { say, sayOnControl, sayOnStderr } from '../both-threads/say.js';
import { planFor, prepareApp, runHostSession, sessionFacts, type PreparedApp } from './session.js';
import { LoadError } from './load-error.js';
import type { WorkerEvent } from '../both-threads/messages.js';

/** How long a closing IPC socket may take to flush the app's last messages. */
const IPC_FLUSH_MS = 500;

/**
 * Runs weft-runtime. `worker` is the wasm thread, started by the bin script before this module
 * was even loaded so that its boot (Node environment, preview2-shim) overlaps everything here;
 * `booted` resolves when it has booted (the bin listens from the start, so the news is not lost).
 */
export async function runtimeMain(argv: readonly string[], worker: Worker, booted: Promise<void>): Promise<void> {
  let ending = false;
  let ipcSocket: Socket | null = null;
  let control: ControlChannel = openControl(null);
  const end = (code: number, reason: string | null, outcome: OutcomeReason = reasonForStatus(code), backtrace: readonly string[] = []): void => {
    if (ending) return;
    ending = true;
    if (control.outOfBand) control.send({ type: 'outcome', reason: outcome, code, message: reason, backtrace: [...backtrace] });
    else if (reason) {
      sayOnStderr(reason);
      if (backtrace.length > 0) for (const line of ['wasm backtrace:', ...backtrace.map((frame) => `    ${frame}`)]) sayOnStderr(line);
    }
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
    sayOnStderr(cause.message);
    writeSync(2, `${USAGE}\n`);
    return end(EXIT.USAGE, null);
  }
  if (args.mode === 'help') {
    writeSync(1, `${USAGE}\n`);
    return end(0, null);
  }
  control = openControl(args.controlFd);
  sayOnControl(args.controlFd);

  worker.on('error', (error) => end(EXIT.INTERNAL, `the wasm thread failed: ${error.stack ?? error.message}`));
  worker.on('exit', (status) => end(EXIT.TRAP, `the wasm thread stopped unexpectedly (status ${status}); see the messages above`));
  const lifeline = watchLifeline(end);

  let session: SessionArgs;
  let prepared: PreparedApp | null = null;
  if (args.mode === 'warm') {
    // Everything of the app but running it (docs/architecture/runtime.md, "Warm runtimes"); a
    // failure ends the process before it announces itself, and appd launches that app cold.
    try {
      const prefetched = new Promise<void>((resolve) => {
        const onMessage = (event: WorkerEvent): void => {
          if (event.type !== 'prefetched') return;
          worker.off('message', onMessage);
          resolve();
        };
        worker.on('message', onMessage);
      });
      prepared = await prepareApp(args.appId, worker, process.env, say, true);
      planFor(prepared, sessionFacts({ appId: args.appId, sessionId: '0', ipcSocket: null }, prepared, process.env));
      await Promise.all([booted, prefetched]);
    } catch (cause) {
      if (cause instanceof LoadError) return end(cause.exitCode, `warm: ${cause.message}`);
      return end(EXIT.INTERNAL, `warm: internal error while loading ${args.appId}: ${(cause as Error).stack ?? String(cause)}`);
    }
  }
  if (args.mode === 'standby' || args.mode === 'warm') {
    const warmUpCode = await import('./standby-warmup.js');
    if (args.mode === 'standby') {
      await booted;
      await warmUpCode.warmUp();
    }
    await warmUpCode.rehearseConnect(); // the IPC socket's code, so a session pays for nothing generic
    if (control.outOfBand) control.send({ type: 'standby' });
    else writeSync(1, 'STANDBY\n');
    try {
      session = parseStandbyLine(await lifeline.firstLine(), args.controlFd);
    } catch (cause) {
      if (cause instanceof UsageError) return end(EXIT.USAGE, cause.message);
      return end(EXIT.PARENT_GONE, `standby: ${(cause as Error).message}`);
    }
  } else {
    session = args;
  }

  await runHostSession(
    session,
    worker,
    process.env,
    {
    say,
    end,
    setIpcSocket(socket) {
      ipcSocket = socket;
      socket.on('close', () => end(EXIT.PARENT_GONE, 'the IPC socket closed: weft-appd ended the session'));
      socket.on('error', () => {}); // 'close' follows and says it
    },
    },
    prepared,
  );
}
