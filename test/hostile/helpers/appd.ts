// Starts a real weft-appd (dist/bin/weft-appd.js) in a sandbox, collects its JSON log lines, and stops or kills it by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppdClient } from '../../../src/protocol/client.js';
import type { Request, Response } from '../../../src/protocol/messages.js';
import { DIST_BIN, type Sandbox } from './sandbox.js';

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

  static async start(sandbox: Sandbox, options: AppdOptions = {}): Promise<AppdProcess> {
    if (!existsSync(APPD_BIN)) throw new Error(`${APPD_BIN} is missing: run npx tsc -p tsconfig.json`);
    const env = { ...sandbox.env, ...options.env };
    const child = spawn(process.execPath, [APPD_BIN, ...(options.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const socketPath = env.WEFT_APPD_SOCKET ?? join(sandbox.runtimeDir, 'weft', 'appd.sock');
    const appd = new AppdProcess(child, socketPath, options.keepLogs ?? 100_000);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (appd.exit) throw new Error(`weft-appd exited during start (${JSON.stringify(appd.exit)}): ${appd.stderr}`);
      try {
        const client = await AppdClient.connect(socketPath, 1000);
        client.close();
        return appd;
      } catch {
        if (Date.now() > deadline) {
          appd.kill('SIGKILL');
          throw new Error(`weft-appd did not listen on ${socketPath} within 20 s: ${appd.stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
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
