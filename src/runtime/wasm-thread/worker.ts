// The wasm thread's entry: starts loading preview2-shim and the session code at once, then runs the one session it is sent.
import module from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { EXIT } from '../../protocol/runtime-exit.js';
import type { EntryPrefetch, Outcome, SessionStart, ShimIoHint, VerifiedEntry, WorkerEvent } from '../both-threads/messages.js';
import { trace } from '../both-threads/trace.js';
import { glueCacheKey, loadComponentJs, type LoadedEntry } from './entry-loader.js';
import { plainEnvForJcoDebugReads, rehearseScriptRewrite } from './shim-adapter/component-js.js';
import { loadRandomShim, loadShimIo } from './shim-adapter/shim.js';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

plainEnvForJcoDebugReads();

const port = parentPort;
if (!port) throw new Error('weft-runtime: worker.js must run as a worker thread');
const post = (event: WorkerEvent): void => port.postMessage(event);

// Everything generic loads in parallel, before any session exists (in standby, long before).
// preview2-shim's I/O side (and its I/O thread) is not generic: only sessions that need it load it.
const shimLoading = loadRandomShim();
const sessionCode = import('./session.js');
trace('wasm thread started');
const standingBy = (workerData as { standby?: boolean } | null)?.standby === true;
Promise.all([shimLoading, sessionCode]).then(
  async ([random]) => {
    trace('session code loaded');
    // A standby or warm runtime has time before its session: compile what building imports runs.
    if (standingBy) {
      await (await import('./imports-rehearsal.js')).rehearseImports(random).catch(() => {}); // a failure only costs the session that compile time
      trace('imports rehearsed');
      try {
        rehearseScriptRewrite();
        glueCacheKey('0'.repeat(64));
        trace('glue rewrite rehearsed');
      } catch {
        // only costs the session the time it would have saved
      }
    }
    post({ type: 'booted' });
  },
  () => {}, // reported when the session starts
);

const entries = new Map<string, Promise<LoadedEntry>>();
/** component.js, loaded once per URL; the prefetch message may have started it already. */
function componentOnce(url: string, codeCacheDir: string | null, verified: VerifiedEntry | null = null): Promise<LoadedEntry> {
  let loading = entries.get(url);
  if (!loading) {
    loading = loadComponentJs(url, codeCacheDir, verified);
    entries.set(url, loading);
  }
  return loading;
}

/** A warm runtime's rehearsal of the glue; a failure only costs the session the compile time it would have saved. */
function rehearse(entry: LoadedEntry): void {
  try {
    entry.rehearse();
    trace('glue rehearsed');
  } catch (cause) {
    trace(`glue rehearsal failed: ${(cause as Error).message}`);
  }
}

let sessionStarted = false;
port.on('message', (message: ShimIoHint | EntryPrefetch | SessionStart) => {
  if (message.type === 'shim-io') {
    loadShimIo().catch(() => {}); // a failure is reported when the session awaits it
    return;
  }
  if (message.type === 'prefetch') {
    // A failure is reported when the session awaits it.
    const entry = componentOnce(message.entryUrl, message.codeCacheDir, message.verified);
    const loads: Promise<unknown>[] = [message.rehearse ? entry.then(rehearse) : entry];
    if (message.needsShimIo) loads.push(loadShimIo());
    void Promise.allSettled(loads).then(() => post({ type: 'prefetched' }));
    return;
  }
  if (sessionStarted) return; // one session per process
  sessionStarted = true;
  const start = message;
  trace('session received');
  void Promise.all([shimLoading, sessionCode])
    .then(
      ([random, { runWasmSession }]) =>
        runWasmSession(start, async (needsShimIo) => ({ random, shimIo: needsShimIo ? await loadShimIo() : null }), () => componentOnce(start.entryUrl, start.codeCacheDir), post),
      (cause: unknown): Outcome => ({ kind: 'load-failed', message: `cannot load the wasm thread's code (preview2-shim): ${(cause as Error).message}`, exitCode: EXIT.LOAD_FAILED }),
    )
    .catch((cause: unknown): Outcome => ({ kind: 'load-failed', message: `internal error in the wasm thread: ${(cause as Error).stack ?? String(cause)}`, exitCode: EXIT.INTERNAL }))
    .then((outcome) => post({ type: 'outcome', outcome }));
});
