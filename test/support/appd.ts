// The tests' one way to start a real weft-appd (dist/bin/weft-appd.js): collects its JSON log lines, waits until it accepts connections, stops or kills it by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppdClient } from '../../src/protocol/client.js';
import type { Request, Response } from '../../src/protocol/messages.js';
import { REPO_ROOT } from './fixture-apps.js';

const DIST_BIN = join(REPO_ROOT, 'dist', 'bin');
export const APPD_BIN = join(DIST_BIN, 'weft-appd.js');
export const RUNTIME_BIN = join(DIST_BIN, 'weft-runtime.js');

export interface LogRecord {
  level?: number;
  msg?: string;
  session_id?: number;
  app_id?: string;
  stream?: string;
  suppressed?: number;
  [key: string]: unknown;
}

export interface AppdOptions {
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Keep at most this many parsed log records (the count keeps going). */
  keepLogs?: number;
}

export class AppdProcess {
  readonly logs: LogRecord[] = [];
  logCount = 0;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<(record: LogRecord) => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly socketPath: string,
    keepLogs: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => ((this.exit = { code, signal }), resolve())));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      this.logCount += 1;
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        record = { msg: line };
      }
      if (this.logs.length < keepLogs) this.logs.push(record);
      for (const listener of this.listeners) listener(record);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 1 << 20) this.stderr += chunk.toString('utf8');
    });
  }

  /**
   * Starts weft-appd with `home.env` (a test's private XDG_RUNTIME_DIR, store, HOME) plus
   * `options.env`, and resolves once it answers on its socket (QUERY_STATUS with its own pid);
   * rejects when it exits first (with its stderr).
   */
  static async start(home: { env: NodeJS.ProcessEnv }, options: AppdOptions = {}): Promise<AppdProcess> {
    if (!existsSync(APPD_BIN)) throw new Error(`${APPD_BIN} is missing: run npx tsc -p tsconfig.json`);
    const env = { ...home.env, ...options.env };
    const runtimeDir = env.XDG_RUNTIME_DIR;
    if (!env.WEFT_APPD_SOCKET && !runtimeDir) throw new Error('AppdProcess.start: the environment sets neither WEFT_APPD_SOCKET nor XDG_RUNTIME_DIR; give the test a private runtime dir');
    const child = spawn(process.execPath, [APPD_BIN, ...(options.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const socketPath = env.WEFT_APPD_SOCKET ?? join(runtimeDir as string, 'weft', 'appd.sock');
    const appd = new AppdProcess(child, socketPath, options.keepLogs ?? 100_000);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (appd.exit) throw new Error(`weft-appd exited during start (${JSON.stringify(appd.exit)}): ${appd.stderr}`);
      try {
        // Ours answering, not merely a socket that connects: another appd may hold the path.
        const client = await AppdClient.connect(socketPath, 1000);
        try {
          const status = await client.request({ type: 'QUERY_STATUS' });
          if (status.type === 'DAEMON_STATUS' && status.status.pid === appd.pid) return appd;
        } finally {
          client.close();
        }
        throw new Error('another weft-appd answers on this socket');
      } catch {
        if (Date.now() > deadline) {
          appd.kill('SIGKILL');
          throw new Error(`weft-appd did not listen on ${socketPath} within 20 s: ${appd.stderr}`);
        }
        await sleep(50);
      }
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** The log lines appd wrote about one session (its stderr and the runtime's reasons, at the level in use). */
  logsFor(sessionId: number): string[] {
    return this.logs.filter((r) => r.session_id === sessionId).map((r) => `${r.stream ?? ''} ${String(r.msg ?? '')}`.trim());
  }

  onLog(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connect(): Promise<AppdClient> {
    return AppdClient.connect(this.socketPath, 5000);
  }

  /** One request on a fresh connection. */
  async request(request: Request): Promise<Response> {
    const client = await this.connect();
    try {
      return await client.request(request);
    } finally {
      client.close();
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Resolves with how the process ended, once it has (no time limit: the test's own applies). */
  async exitStatus(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.exited;
    return this.exit as { code: number | null; signal: NodeJS.Signals | null };
  }

  /** Resolves once the process has exited, or rejects after timeoutMs. */
  async waitExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`weft-appd (pid ${this.pid}) did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    try {
      await this.waitExit(graceMs);
    } catch {
      this.kill('SIGKILL');
      await this.waitExit(5000);
    }
  }
}
