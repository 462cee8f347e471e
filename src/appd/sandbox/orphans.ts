// Finds and kills sandboxes a killed weft-appd left half-started: bubblewrap's inner half waits forever for a go-ahead its dead outer half never sends.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * bubblewrap clones its sandbox's first process, which then blocks reading an eventfd until the
 * outer bwrap has written the uid maps and the info fd. If the outer one dies first (its parent,
 * weft-appd, was killed: --die-with-parent, or a write to appd's closed info pipe), nothing ever
 * writes that eventfd, and the inner one has not yet armed its own --die-with-parent: it sleeps
 * forever, never having run the runtime. Such a process is a `bwrap` that is pid 1 of its own pid
 * namespace and whose parent is no longer a `bwrap`; a running sandbox's pid 1 is the runtime itself
 * (`--as-pid-1`), whose parent is its outer bwrap.
 */
export interface ProcEntry {
  pid: number;
  comm: string;
  /** The real uid. */
  uid: number;
  /** Its pid in each pid namespace, outermost first (`NSpid:`). */
  nspid: number[];
  /** The parent's command name, or null when it has none we can read. */
  parentComm: string | null;
  cmdline: string[];
}

/** Pure: whether `p` is such a stuck sandbox of this user's weft (its command line runs `marker`, weft's runtime). */
export function isOrphanedSandbox(p: ProcEntry, uid: number, marker: string): boolean {
  return p.comm === 'bwrap' && p.uid === uid && p.nspid.length >= 2 && p.nspid[p.nspid.length - 1] === 1 && p.parentComm !== 'bwrap' && p.cmdline.includes(marker);
}

function readEntry(pid: number): ProcEntry | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    const ppid = Number(field('PPid'));
    let parentComm: string | null = null;
    try {
      parentComm = readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
    } catch {
      // no parent we can read
    }
    return {
      pid,
      comm: field('Name'),
      uid: Number(field('Uid').split(/\s+/)[0]),
      nspid: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      parentComm,
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    };
  } catch {
    return null; // gone meanwhile
  }
}

/** Kills (SIGKILL) every stuck sandbox of this user's weft that runs `marker`; returns their pids. */
export function reapOrphanedSandboxes(marker: string, uid: number = process.getuid?.() ?? -1): number[] {
  if (process.platform !== 'linux') return [];
  const reaped: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry === null || !isOrphanedSandbox(entry, uid, marker)) continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
      reaped.push(entry.pid);
    } catch {
      // gone meanwhile
    }
  }
  return reaped;
}
