// Test harness for appd: temp XDG dirs and store, a real weft-appd process on a real socket, subscribed clients, and small polling helpers.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Socket } from 'node:net';
import { expect } from 'vitest';
import { AppdClient } from '../../src/protocol/client.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame.js';
import { RESPONSE_SHAPE } from '../../src/protocol/shape-guard.js';
import type { Response } from '../../src/protocol/messages.js';
import { manifestAppId, REPO_ROOT } from '../support/fixture-apps.js';
import { standIn, suiteResource } from '../support/suite-resource.js';
import { APPD_BIN, AppdProcess, type LogRecord } from '../support/appd.js';

export { APPD_BIN };

export const ROOT = REPO_ROOT;
export const CTL_BIN = join(ROOT, 'dist', 'bin', 'weftctl.js');
export const REAL_RUNTIME_BIN = join(ROOT, 'dist', 'bin', 'weft-runtime.js');
export const FAKE_RUNTIME = join(ROOT, 'test', 'appd', 'fixtures', 'fake-runtime.mjs');

export function requireBuilt(): void {
  if (!existsSync(APPD_BIN) || !existsSync(CTL_BIN)) {
    throw new Error(`${APPD_BIN} is missing: build first with \`npx tsc -p tsconfig.json\``);
  }
}

export interface TestEnv {
  base: string;
  env: NodeJS.ProcessEnv;
  store: string;
  runtimeDir: string;
  socket: string;
  cleanup(): void;
}

/** A fresh private XDG_RUNTIME_DIR, store, HOME and data home; cgroups off; the given runtime. */
export function makeEnv(runtimeBin: string, extra: NodeJS.ProcessEnv = {}): TestEnv {
  const base = mkdtempSync(join(tmpdir(), 'weft-appd-test-'));
  const run = join(base, 'run');
  mkdirSync(run, { mode: 0o700 });
  chmodSync(run, 0o700);
  const store = join(base, 'store');
  mkdirSync(store);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    XDG_RUNTIME_DIR: run,
    WEFT_APP_STORE: store,
    HOME: join(base, 'home'),
    XDG_DATA_HOME: join(base, 'data'),
    WEFT_DISABLE_CGROUP: '1',
    WEFT_RUNTIME_BIN: runtimeBin,
    WEFT_LOG: 'debug',
    // Suites run in parallel: each daemon's WebSocket takes a free port, never the default 7410.
    WEFT_APPD_WS_PORT: '0',
    WEFT_LOG_FORMAT: 'json',
    ...extra,
  };
  mkdirSync(env.HOME as string, { recursive: true });
  return {
    base,
    env,
    store,
    runtimeDir: join(run, 'weft'),
    socket: join(run, 'weft', 'appd.sock'),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** A minimal package for the fake runtime: the behaviour comes from the id's last part. */
export function installFakeApp(store: string, id: string, extraToml = ''): void {
  const dir = join(store, id);
  mkdirSync(dir, { recursive: true });
  const capabilities = id.endsWith('.notes') ? 'capabilities = ["fs:rw:app-data"]\n' : '';
  writeFileSync(join(dir, 'wapp.toml'), `[package]\nid = "${id}"\nname = "${id.split('.').pop()}"\nversion = "1.0.0"\n${capabilities}\n[runtime]\nmodule = "app.wasm"\n${extraToml}`);
  writeFileSync(join(dir, 'app.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
}

/** Copies a fixture app from apps/<name> into the store as a plain directory, optionally appending TOML or editing the manifest. */
export function installRealApp(store: string, name: string, extraToml = '', edit: (toml: string) => string = (toml) => toml): string {
  const source = join(ROOT, 'apps', name);
  const manifest = readFileSync(join(source, 'wapp.toml'), 'utf8');
  const id = manifestAppId(manifest, join(source, 'wapp.toml'));
  const dir = join(store, id);
  cpSync(source, dir, { recursive: true, filter: (path) => !path.includes('/src') });
  writeFileSync(join(dir, 'wapp.toml'), `${edit(manifest)}\n${extraToml}`);
  return id;
}

export function realAppsReady(names: readonly string[]): boolean {
  return existsSync(REAL_RUNTIME_BIN) && names.every((name) => existsSync(join(ROOT, 'apps', name, 'wapp.toml')) && existsSync(join(ROOT, 'apps', name, 'app.wasm')));
}

export type { LogRecord } from '../support/appd.js';

export interface RunningDaemon {
  proc: ChildProcess;
  pid: number;
  logs: LogRecord[];
  /** Sends `signal` and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A real weft-appd on `t`'s private dirs, started the tests' one way (test/support/appd.ts); resolves once it accepts connections. */
export async function startDaemon(t: TestEnv, args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningDaemon> {
  const appd = await AppdProcess.start(t, { args, env: extraEnv });
  return {
    proc: appd.child,
    pid: appd.pid,
    logs: appd.logs,
    stop: async (signal = 'SIGTERM') => {
      appd.kill(signal);
      return appd.exitStatus();
    },
  };
}

export async function waitFor<T>(check: () => T | undefined | false | null, timeoutMs: number, what: string, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Direct children of `pid` (from /proc), to find runtimes by pid. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function connect(t: TestEnv): Promise<AppdClient> {
  return AppdClient.connect(t.socket);
}

/** An event pushed to a subscribed client, with its fields open to tests. */
export type AppdEvent = Response & Record<string, unknown>;

/** Subscribes `client` and collects its events into `into` (a new array unless given); expects SUBSCRIBED as the answer. */
export async function subscribe(client: AppdClient, into: AppdEvent[] = []): Promise<AppdEvent[]> {
  client.on('event', (event: AppdEvent) => into.push(event));
  expect(await client.request({ type: 'SUBSCRIBE' })).toEqual({ type: 'SUBSCRIBED' });
  return into;
}

export interface SubscribedDaemon {
  t: TestEnv;
  daemon: RunningDaemon;
  /** A client subscribed to events from the start. */
  client: AppdClient;
  /** Every event `client` received, in order: one array for the whole block. */
  events: AppdEvent[];
}

/**
 * For the calling describe block: beforeAll makes a fresh env with `runtimeBin` and `extraEnv`, lets
 * `install` fill its store, starts weft-appd and subscribes a client; afterAll closes, stops and
 * removes them again. t, daemon and client are stand-ins valid in between.
 */
export function subscribedDaemonForSuite(runtimeBin: string, extraEnv: NodeJS.ProcessEnv, install: (t: TestEnv) => void): SubscribedDaemon {
  const events: AppdEvent[] = [];
  const running = suiteResource({
    async create() {
      requireBuilt();
      const t = makeEnv(runtimeBin, extraEnv);
      let daemon: RunningDaemon | undefined;
      let client: AppdClient | undefined;
      try {
        install(t);
        daemon = await startDaemon(t);
        client = await connect(t);
        await subscribe(client, events);
        return { t, daemon, client };
      } catch (error) {
        client?.close();
        await daemon?.stop();
        t.cleanup();
        throw error;
      }
    },
    async dispose({ t, daemon, client }) {
      client.close();
      await daemon.stop();
      t.cleanup();
    },
  });
  return { t: standIn(() => running.t), daemon: standIn(() => running.daemon), client: standIn(() => running.client), events };
}

/** A client that speaks raw frames (for malformed input and WEFT's array encoding). */
export class RawClient {
  readonly frames: unknown[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(RESPONSE_SHAPE);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) if (frame.ok) this.frames.push(frame.value);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  sendBytes(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(message: unknown): void {
    this.socket.write(encodeFrame(message));
  }

  /** Waits for the next frame after the `index`-th. */
  async frame(index: number, timeoutMs = 5000): Promise<unknown> {
    return waitFor(() => (this.frames.length > index ? { v: this.frames[index] } : undefined), timeoutMs, `frame #${index}`).then((x) => x.v);
  }

  close(): void {
    this.socket.destroy();
  }
}
