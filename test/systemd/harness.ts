// Test harness: a private `systemd --user` (own HOME, XDG_RUNTIME_DIR and cgroup subtree), ended by pid, and the test drop-in for weft-appd.service.
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidExists } from '../support/processes.js';
import { suiteResource } from '../support/suite-resource.js';

const SYSTEMD = '/lib/systemd/systemd';
const CGROUP_FS = '/sys/fs/cgroup';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: error && code === -1 ? `${stderr}${error.message}` : stderr });
    });
  });
}


/** Polls `check` until it returns a value other than undefined; fails naming `what` on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await sleep(stepMs);
  }
}

/** Why the systemd suite cannot run here, or undefined when it can. */
export function systemdUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the systemd --user suite needs root (it creates /run/systemd/system and a cgroup subtree)';
  if (!existsSync(SYSTEMD)) return `${SYSTEMD} is missing (Debian: apt-get install systemd)`;
  return undefined;
}

/**
 * The cgroup hierarchies a manager's root is read from: v1/hybrid track processes in the
 * name=systemd hierarchy (and mirror into the unified one when mounted), pure v2 in the root.
 */
function trackingHierarchies(): string[] {
  if (existsSync(join(CGROUP_FS, 'cgroup.controllers'))) return [CGROUP_FS];
  const found = [join(CGROUP_FS, 'systemd'), join(CGROUP_FS, 'unified')].filter((dir) => existsSync(join(dir, 'cgroup.procs')));
  if (found.length === 0) throw new Error(`no cgroup hierarchy to track a systemd manager in under ${CGROUP_FS}`);
  return found;
}

/** Every hierarchy mounted under /sys/fs/cgroup (for cleanup: systemd mirrors unit paths into each). */
function allHierarchies(): string[] {
  if (existsSync(join(CGROUP_FS, 'cgroup.controllers'))) return [CGROUP_FS];
  return readdirSync(CGROUP_FS)
    .map((name) => join(CGROUP_FS, name))
    .filter((dir) => existsSync(join(dir, 'cgroup.procs')));
}

function pidsUnder(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const line of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.push(Number(line));
      for (const entry of readdirSync(d, { withFileTypes: true })) if (entry.isDirectory()) walk(join(d, entry.name));
    } catch {
      // A cgroup removed while walking: its processes are gone too.
    }
  };
  walk(dir);
  return pids;
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // Busy (a process not reaped yet): the caller retries.
  }
}

/** The last `lines` lines of a file, or '(none)' when it cannot be read. */
export function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

export interface UserManager {
  /** Everything of this manager lives below here (not under /tmp: the units use PrivateTmp=yes). */
  readonly root: string;
  readonly home: string;
  readonly runtimeDir: string;
  readonly unitDir: string;
  readonly pid: number;
  /** The manager's cgroup root, relative to the hierarchy (e.g. /weft-test-1234-ab12). */
  readonly cgroup: string;
  /** Environment for systemctl/systemd-run/weftctl talking to this manager. */
  readonly env: NodeJS.ProcessEnv;
  readonly logPath: string;
  /** Test drop-ins point StandardOutput=/StandardError= here (there is no journal). */
  readonly serviceLogPath: string;
  systemctl(...args: string[]): Promise<RunResult>;
  /** `systemctl --user show -p A -p B unit` as a map. */
  show(unit: string, ...properties: string[]): Promise<Record<string, string>>;
  /** Throws with the manager log tail when `systemctl` fails. */
  mustSystemctl(...args: string[]): Promise<RunResult>;
  writeDropIn(unit: string, name: string, text: string): void;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const BASE_ENV_KEYS = ['PATH', 'LANG', 'TERM'];

export async function startUserManager(label: string): Promise<UserManager> {
  const reason = systemdUnavailableReason();
  if (reason) throw new Error(reason);
  // systemctl/systemd-run check for this directory to decide systemd is "booted"; PID 1 here is not systemd.
  mkdirSync('/run/systemd/system', { recursive: true });
  const baseDir = process.env.WEFT_TEST_SYSTEMD_DIR ?? '/run';
  const root = mkdtempSync(join(baseDir, `weft-sd-${label}-`));
  const home = join(root, 'home');
  const runtimeDir = join(root, 'xdg-runtime');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync(runtimeDir, { mode: 0o700 });
  const unitDir = join(home, '.config', 'systemd', 'user');
  mkdirSync(unitDir, { recursive: true });

  const env: NodeJS.ProcessEnv = { HOME: home, XDG_RUNTIME_DIR: runtimeDir, USER: 'root', LOGNAME: 'root', SHELL: '/bin/sh' };
  for (const key of BASE_ENV_KEYS) if (process.env[key]) env[key] = process.env[key];
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';

  // Own cgroup subtree: a manager takes the cgroup it starts in as its root and moves every
  // process found there into init.scope. Started in a fresh, empty cgroup it touches nothing
  // else on the machine, and two suites' managers cannot collide.
  // On v1 the manager only uses a controller (memory, cpu, pids) whose hierarchy has a writable
  // directory at its root path, as a delegated user@.service would: create it in every hierarchy.
  const cgroup = `/${root.split('/').pop() as string}`;
  const cgDirs = trackingHierarchies().map((h) => join(h, cgroup));
  for (const hierarchy of allHierarchies()) mkdirSync(join(hierarchy, cgroup), { recursive: true });

  const logPath = join(root, 'systemd.log');
  const logFd = openSync(logPath, 'a');
  const moves = cgDirs.map((dir) => `echo $$ > '${dir}/cgroup.procs'`).join(' && ');
  const child = spawn('/bin/sh', ['-c', `${moves} && exec ${SYSTEMD} --user`], {
    // The manager's own log goes to /dev/console (it reopens it), not here; this file gets what
    // its generators print. Tests read outcomes from `systemctl show` and ExecStopPost= instead.
    env,
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${SYSTEMD} --user`);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const serviceLogPath = join(root, 'services.log');
  const logTail = (lines = 40): string => tail(logPath, lines);
  const systemctl = (...args: string[]): Promise<RunResult> => run('systemctl', ['--user', ...args], env);

  const manager: UserManager = {
    root,
    home,
    runtimeDir,
    unitDir,
    pid,
    cgroup,
    env,
    logPath,
    serviceLogPath,
    systemctl,
    async show(unit, ...properties) {
      const result = await run('systemctl', ['--user', 'show', unit, ...properties.flatMap((p) => ['-p', p])], env);
      if (result.code !== 0) throw new Error(`systemctl --user show ${unit} failed: ${result.stderr.trim()}`);
      const map: Record<string, string> = {};
      for (const line of result.stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) map[line.slice(0, eq)] = line.slice(eq + 1);
      }
      return map;
    },
    async mustSystemctl(...args) {
      const result = await systemctl(...args);
      if (result.code !== 0) {
        const units = args.filter((a) => /\.(service|socket|slice|scope)$/.test(a));
        const status = units.length > 0 ? (await systemctl('status', '--no-pager', '--lines=0', ...units)).stdout : '';
        throw new Error(
          `systemctl --user ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}\n--- status ---\n${status}\n--- service output ---\n${tail(serviceLogPath, 30)}`,
        );
      }
      return result;
    },
    writeDropIn(unit, name, text) {
      const dir = join(unitDir, `${unit}.d`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), text);
    },
    logTail,
    async stop() {
      // The manager stops its units on SIGTERM (exit.target), then exits.
      if (pidExists(pid)) process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (pidExists(pid) && exited === undefined && Date.now() < deadline) await sleep(100);
      if (pidExists(pid) && exited === undefined) process.kill(pid, 'SIGKILL');
      // Whatever is left in its subtree (scopes of a crashed daemon, stray children) is ours too.
      for (let attempt = 0; attempt < 50; attempt++) {
        const left = allHierarchies().flatMap((h) => pidsUnder(join(h, cgroup)));
        for (const p of left) {
          try {
            process.kill(p, 'SIGCONT');
            process.kill(p, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        for (const hierarchy of allHierarchies()) removeCgroupTree(join(hierarchy, cgroup));
        if (allHierarchies().every((h) => !existsSync(join(h, cgroup)))) break;
        await sleep(100);
      }
      if (!process.env.WEFT_TEST_KEEP) rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await waitFor(
      'the user manager to finish starting',
      async () => {
        if (exited) throw new Error(`${SYSTEMD} --user ${exited}:\n${logTail()}`);
        if (!existsSync(join(runtimeDir, 'systemd', 'private'))) return undefined;
        const state = (await systemctl('is-system-running')).stdout.trim();
        return state === 'running' || state === 'degraded' ? state : undefined;
      },
      30_000,
    );
  } catch (error) {
    await manager.stop();
    throw error;
  }
  return manager;
}

/** The cgroup of `pid` in the tracking hierarchy (name=systemd on v1, the unified one on v2). */
export function cgroupOf(pid: number): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const named = lines.find((l) => l.includes(':name=systemd:')) ?? lines.find((l) => l.startsWith('0::'));
  if (!named) throw new Error(`no systemd cgroup line in /proc/${pid}/cgroup`);
  return named.slice(named.indexOf(':', named.indexOf(':') + 1) + 1);
}

/** The directory of a cgroup path (as in /proc/<pid>/cgroup) in the hierarchy that tracks units. */
export function trackingCgroupDir(cgroupPath: string): string {
  return join(trackingHierarchies()[0] as string, cgroupPath);
}

/**
 * Drop-in lines that keep this checkout visible to the units under test. The shipped unit has
 * PrivateTmp=yes, which hides /tmp and /var/tmp; an installed weft never lives there, but a CI
 * clone may, so only then the test units turn PrivateTmp off.
 */
export function checkoutVisibilityLines(repoRoot: string = join(import.meta.dirname, '..', '..')): string {
  return /^\/(var\/)?tmp\//.test(`${repoRoot}/`) ? `# the checkout is under ${repoRoot}, which PrivateTmp would hide\nPrivateTmp=no\n` : '';
}

/** A user manager for the calling describe block: started in beforeAll (then handed to `prepare`), stopped in afterAll. */
export function userManagerForSuite(label: string, prepare: (sd: UserManager) => Promise<void>): UserManager {
  return suiteResource({ create: () => startUserManager(label), ready: prepare, dispose: (sd) => sd.stop() });
}

export const APPD_SERVICE = 'weft-appd.service';

/** `systemd-analyze --user verify` over the three units as installed in the manager's unit directory. */
export function verifyInstalledUnits(sd: UserManager): Promise<RunResult> {
  const units = [APPD_SERVICE, 'weft-appd.socket', 'weft-apps.slice'].map((unit) => join(sd.unitDir, unit));
  return run('systemd-analyze', ['--user', 'verify', ...units], sd.env);
}

/** weft-appd.service's MainPID (0 while it is not running). */
export async function appdMainPid(sd: UserManager): Promise<number> {
  return Number((await sd.show(APPD_SERVICE, 'MainPID')).MainPID);
}

export interface AppdTestDropIn {
  /** The Environment= value. */
  environment: string;
  readWritePaths: readonly string[];
  /** Where ExecStopPost= appends one line per run; read it with takeStopResults. */
  resultsPath: string;
  /** More [Service] lines. */
  extra?: string;
}

/**
 * Writes weft-appd.service.d/test.conf: no start limit, the given environment and writable paths,
 * output appended to the manager's service log, a line per run's end, and this checkout kept visible.
 */
export function writeAppdTestDropIn(sd: UserManager, dropIn: AppdTestDropIn): void {
  sd.writeDropIn(
    APPD_SERVICE,
    'test.conf',
    `[Unit]
StartLimitIntervalSec=0
[Service]
Environment=${dropIn.environment}
ReadWritePaths=${dropIn.readWritePaths.join(' ')}
StandardOutput=append:${sd.serviceLogPath}
StandardError=append:${sd.serviceLogPath}
# How each run ended, as systemd saw it (watchdog, exit-code, signal, success...).
ExecStopPost=/bin/sh -c 'echo "$SERVICE_RESULT $EXIT_CODE $EXIT_STATUS" >> ${dropIn.resultsPath}'
RestartSec=200ms
${dropIn.extra ?? ''}
${checkoutVisibilityLines()}`,
  );
}

/** The `SERVICE_RESULT EXIT_CODE EXIT_STATUS` lines ExecStopPost= wrote to `path`, oldest first; then clears them. */
export function takeStopResults(path: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  rmSync(path);
  return lines;
}
