// Test harness for weft-runtime: temp user dirs (one per suite file with homeForSuite), packages copied into WEFT_APP_STORE as plain directories, and real runtime processes.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestAppId, REPO_ROOT } from '../../support/fixture-apps.js';
import { pidRunning } from '../../support/processes.js';
import { suiteResource } from '../../support/suite-resource.js';

export const ROOT = REPO_ROOT;
export const RUNTIME = join(ROOT, 'dist/bin/weft-runtime.js');
/** Shared across runs: on-the-fly transpiles are keyed by module hash, so reuse is safe and saves seconds. */
export const SHARED_CACHE = join(tmpdir(), 'weft-runtime-test-cache');

export interface TestHome {
  root: string;
  env: NodeJS.ProcessEnv;
  store: string;
  /** $XDG_DATA_HOME/weft/apps/<id>/data */
  dataDir(appId: string): string;
  cleanup(): void;
}

export function makeHome(): TestHome {
  const root = mkdtempSync(join(tmpdir(), 'weft-runtime-test-'));
  const store = join(root, 'store');
  mkdirSync(store);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    XDG_DATA_HOME: join(root, 'data'),
    XDG_CACHE_HOME: SHARED_CACHE,
    XDG_DOCUMENTS_DIR: join(root, 'home', 'Documents'),
    WEFT_APP_STORE: store,
    // What an app must never see: if the sandbox leaked the host environment, tests would find these.
    WEFT_TEST_SECRET: 'host-secret-value',
  };
  return {
    root,
    env,
    store,
    dataDir: (appId) => join(root, 'data', 'weft', 'apps', appId, 'data'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A TestHome for the whole suite file: made in beforeAll (then handed to `prepare`), removed in afterAll. */
export function homeForSuite(prepare?: (home: TestHome) => void): TestHome {
  return suiteResource({ create: makeHome, ready: prepare, dispose: (home) => home.cleanup() });
}

/** Copies apps/<name> into the store as `<store>/<id>/` (WEFT's plain layout); returns the id. */
export function installFixture(home: TestHome, name: string, edit?: (toml: string) => string): string {
  const source = join(ROOT, 'apps', name);
  const toml = readFileSync(join(source, 'wapp.toml'), 'utf8');
  const id = manifestAppId(toml, join(source, 'wapp.toml'));
  const target = join(home.store, id);
  cpSync(source, target, { recursive: true, filter: (path) => !path.startsWith(join(source, 'src')) });
  if (edit) writeFileSync(join(target, 'wapp.toml'), edit(toml));
  return id;
}

/** Puts a package made of the given wasm bytes and manifest fields into the store. */
export function installModule(home: TestHome, id: string, wasm: Uint8Array, options: { capabilities?: string[]; extraToml?: string } = {}): string {
  const target = join(home.store, id);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'app.wasm'), wasm);
  const capabilities = (options.capabilities ?? []).map((c) => JSON.stringify(c)).join(', ');
  writeFileSync(
    join(target, 'wapp.toml'),
    `[package]\nid = "${id}"\nname = "Test ${id}"\nversion = "1.0.0"\ncapabilities = [${capabilities}]\n\n[runtime]\nmodule = "app.wasm"\n${options.extraToml ?? ''}`,
  );
  return id;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from spawn to the READY line, or null. */
  readyMs: number | null;
}

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Resolves on exit. */
  done: Promise<RunResult>;
  /** Resolves once stdout contains `text` (rejects if the process exits first). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  stdout(): string;
  stderr(): string;
}

/** Starts `node dist/bin/weft-runtime.js args…` with stdin as an open pipe (the parent-death pipe). */
export function startRuntime(home: TestHome, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Running {
  const started = performance.now();
  const child = spawn(process.execPath, [RUNTIME, ...args], { env: { ...home.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let readyMs: number | null = null;
  const waiters: { text: string; resolve(): void; reject(error: Error): void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  // A pipe error (ECONNRESET or EPIPE when the runtime dies mid-stream) ends that stream; the exit status says what happened.
  child.stdin.on('error', () => {});
  child.stdout.on('error', () => {});
  child.stderr.on('error', () => {});
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (readyMs === null && /(^|\n)READY\n/.test(stdout)) readyMs = performance.now() - started;
    for (const waiter of [...waiters]) {
      if (stdout.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<RunResult>((resolvePromise) => {
    child.on('close', (code, signal) => {
      for (const waiter of waiters) waiter.reject(new Error(`exited (${code ?? signal}) before "${waiter.text}"; stdout: ${stdout}; stderr: ${stderr}`));
      resolvePromise({ code, signal, stdout, stderr, readyMs });
    });
  });
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(text, timeoutMs = 20_000) {
      if (stdout.includes(text)) return Promise.resolve();
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`)), timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolvePromise();
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
    },
  };
}

/** Runs the runtime to completion (stdin held open until it exits). */
export async function runRuntime(home: TestHome, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const running = startRuntime(home, args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const result = await running.done;
  clearTimeout(timer);
  running.child.stdin.destroy();
  return result;
}

/** Polls until `pid` is gone; resolves with the ms it took, or rejects after `limitMs`. */
/**
 * Bound for "the process goes away": a liveness bound, far above the time it takes (tens of ms),
 * so that a loaded machine cannot fail the test; how fast it is is a bench figure.
 */
export const GONE_WITHIN_MS = 15_000;

/** Waits until `pid` has exited; throws after `limitMs`. */
export async function waitGone(pid: number, limitMs = GONE_WITHIN_MS): Promise<void> {
  const started = performance.now();
  while (pidRunning(pid)) {
    if (performance.now() - started > limitMs) throw new Error(`pid ${pid} still alive after ${limitMs} ms`);
    await sleep(20);
  }
}
