// 1,000 launch/terminate cycles through a whole Daemon in this process (socket, clients, standby pool, shells,
// restarts, timeouts): nothing appd owns may grow with the count (timers, handles, fds, children, sampler
// entries, listeners, IPC sockets, history, heap).
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveChildCount } from '../../src/appd/children.js';
import { readConfig } from '../../src/appd/config.js';
import { Daemon } from '../../src/appd/daemon.js';
import { AppdClient } from '../../src/protocol/client.js';
import type { Response } from '../../src/protocol/messages.js';

const CYCLES = Number(process.env.WEFT_TEST_CYCLES ?? 1000);
const WARMUP = 40;
const HISTORY = 16;

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}


function installApp(store: string, name: string, toml = ''): string {
  const id = `org.weft.test.${name}`;
  mkdirSync(join(store, id), { recursive: true });
  writeFileSync(join(store, id, 'wapp.toml'), `[package]\nid = "${id}"\nname = "${name}"\nversion = "1.0.0"\n\n[runtime]\nmodule = "app.wasm"\n${toml}`);
  writeFileSync(join(store, id, 'app.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  return id;
}

describe('1,000 launch/terminate cycles', () => {
  let base: string;
  let daemon: Daemon;
  let socket: string;
  let runDir: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'weft-cycles-'));
    const run = join(base, 'run');
    mkdirSync(run, { mode: 0o700 });
    runDir = join(run, 'weft');
    const store = join(base, 'store');
    installApp(store, 'cycle');
    installApp(store, 'crash', '[restart]\npolicy = "on-failure"\nmax_restarts = 1\nwindow_ms = 60000\nbackoff_ms = 10\n');
    installApp(store, 'stall', '[limits]\nready_timeout_ms = 100\n');
    // The smallest runtime that keeps the contract (READY, then wait for stdin EOF or a signal), with --standby and
    // --warm <app> (both announce themselves, then wait for their session's line); "crash" exits on its own after READY.
    const runtime = join(base, 'runtime.sh');
    writeFileSync(
      runtime,
      `#!/bin/sh
# Control messages go to fd 3 (appd passes --control-fd 3); READY on stdout is WEFT's in-band form.
if [ "$1" = "--standby" ] || [ "$1" = "--warm" ]; then echo '{"type":"standby"}' >&3; read -r line; set -- $(echo "$line" | tr '{}[]",:' '       ' | sed 's/^ *argv//'); fi
ready() { echo READY; echo '{"type":"ready"}' >&3; }
case "$1" in
  *.crash) ready; echo "weft-runtime: boom" >&2; echo '{"type":"outcome","reason":"exit","code":3,"message":null,"backtrace":[]}' >&3; exit 3 ;;
  *.stall) exec cat >/dev/null ;;
esac
ready
echo "some stderr" >&2
exec cat >/dev/null
`,
      { mode: 0o755 },
    );
    const shell = join(base, 'shell.sh');
    writeFileSync(shell, '#!/bin/sh\necho shell up\nexec cat >/dev/null\n', { mode: 0o755 });
    const env = {
      XDG_RUNTIME_DIR: run,
      WEFT_APP_STORE: store,
      HOME: join(base, 'home'),
      XDG_DATA_HOME: join(base, 'data'),
      WEFT_DISABLE_CGROUP: '1',
      WEFT_RUNTIME_BIN: runtime,
      WEFT_APP_SHELL_BIN: shell,
      WEFT_STANDBY: '2',
      WEFT_HISTORY: String(HISTORY),
      WEFT_SAMPLE_MS: '50',
      WEFT_GRACE_MS: '2000',
      WEFT_RESTORE: '0',
      WEFT_APPD_WS_PORT: '0',
    };
    const config = readConfig(env);
    socket = config.socketPath;
    daemon = await Daemon.start({ config, env, log: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await daemon?.shutdown('test over');
    if (base) rmSync(base, { recursive: true, force: true });
  });

  /** One client, as weftctl would: connect, subscribe, launch, wait, talk, stop, hang up. */
  async function cycle(i: number): Promise<void> {
    const client = await AppdClient.connect(socket);
    try {
      await client.request({ type: 'SUBSCRIBE' });
      const app = i % 50 === 7 ? 'stall' : i % 10 === 3 ? 'crash' : 'cycle';
      const ack = await client.request({ type: 'LAUNCH_APP', app_id: `org.weft.test.${app}`, surface_id: 0 });
      if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
      const sid = ack.session_id;
      const isFinal = (e: Response) => e.type === 'APP_STATE' && e.session_id === sid && e.state === 'stopped' && !('restart_in_ms' in e && e.restart_in_ms !== undefined);
      if (app === 'cycle') {
        await client.waitForEvent((e) => e.type === 'APP_READY' && e.session_id === sid, 30_000);
        const reply = await client.request({ type: 'IPC_FORWARD', session_id: sid, payload: 'hello' });
        expect(reply.type).toBe('APP_STATE');
        await client.request({ type: 'QUERY_SESSION', session_id: sid });
        const stopped = await client.request({ type: 'TERMINATE_APP', session_id: sid });
        expect(stopped).toMatchObject({ state: 'stopped' });
      } else {
        // Crashes (restarted once, then restart-limit) and ready timeouts end by themselves.
        await client.waitForEvent(isFinal, 30_000);
      }
    } finally {
      client.close();
    }
  }

  it('leaves handles, fds, children, sampler entries and sockets where they were, with history bounded', async () => {
    for (let i = 0; i < WARMUP; i++) await cycle(i);
    // Let the last exit's stragglers (close events, the pool refilling) settle.
    await sleep(500);
    gc();
    const before = { fds: fdCount(), resources: resources(), heap: process.memoryUsage().heapUsed, children: liveChildCount() };

    for (let i = 0; i < CYCLES; i++) await cycle(i);
    await sleep(500);
    gc();
    const after = { fds: fdCount(), resources: resources(), heap: process.memoryUsage().heapUsed, children: liveChildCount() };
    const detail = JSON.stringify({ before, after });

    const status = daemon.status();
    expect(status.sessions.running + status.sessions.starting + status.sessions.stopping, detail).toBe(0);
    expect(status.sessions.stopped, detail).toBeLessThanOrEqual(HISTORY);
    expect(status.clients, detail).toBe(0);
    // Only the standby pool's runtimes and one warm runtime per app (cycle, crash, stall) are left.
    expect(daemon.status().warm?.apps.slice().sort(), detail).toEqual(['org.weft.test.crash', 'org.weft.test.cycle', 'org.weft.test.stall']);
    expect(after.children, detail).toBe(before.children);
    expect(readdirSync(runDir).filter((name) => name.startsWith('ipc-')), detail).toEqual([]);
    for (const kind of new Set([...Object.keys(before.resources), ...Object.keys(after.resources)])) {
      expect(after.resources[kind] ?? 0, `active ${kind} after ${CYCLES} cycles; ${detail}`).toBeLessThanOrEqual((before.resources[kind] ?? 0) + 1);
    }
    expect(after.fds, detail).toBeLessThanOrEqual(before.fds + 2);
    // The heap may move a little (JIT, pino); a per-cycle leak of even 2 KiB would show as 2 MiB.
    expect(after.heap - before.heap, detail).toBeLessThan(2 * 1024 * 1024);
  }, 900_000);
});
