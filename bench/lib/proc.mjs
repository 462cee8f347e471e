// Reads /proc: RSS fields, CPU ticks, process tree, liveness and a memory map breakdown.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux
const KB = 1024;

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/status in bytes (VmRSS, VmHWM, RssAnon, RssFile, RssShmem) plus Threads, or null if gone. */
export function memStatus(pid) {
  const text = read(`/proc/${pid}/status`);
  if (!text) return null;
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads):\s+(\d+)/.exec(line);
    if (m) out[m[1]] = m[1] === 'Threads' ? Number(m[2]) : Number(m[2]) * KB;
  }
  return out;
}

/** Pss in bytes from smaps_rollup (this process's proportional share of the pages it maps), or null. */
export function pss(pid) {
  const text = read(`/proc/${pid}/smaps_rollup`);
  const m = text && /^Pss:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * KB : null;
}

/** USS in bytes (Private_Clean + Private_Dirty): what the machine gets back when this process exits; or null. */
export function uss(pid) {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (!text) return null;
  const clean = /^Private_Clean:\s+(\d+) kB/m.exec(text);
  const dirty = /^Private_Dirty:\s+(\d+) kB/m.exec(text);
  return clean && dirty ? (Number(clean[1]) + Number(dirty[1])) * KB : null;
}

/** Parsed /proc/<pid>/stat: ppid, utime+stime (ms), starttime (ticks), state; null if gone. */
export function stat(pid) {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return null;
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3]
  return {
    state: rest[0],
    ppid: Number(rest[1]),
    cpuMs: ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK,
    reapedChildrenCpuMs: ((Number(rest[13]) + Number(rest[14])) * 1000) / CLK_TCK,
    startTicks: Number(rest[19]),
  };
}

export function cmdline(pid) {
  const text = read(`/proc/${pid}/cmdline`);
  return text ? text.split('\0').filter(Boolean) : null;
}

/** All live pids. */
export function pids() {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Pids of every live descendant of root (not root itself). */
export function descendants(root) {
  const children = new Map();
  for (const pid of pids()) {
    const s = stat(pid);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  const out = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** CPU ms of a process plus all its live descendants. */
export function treeCpuMs(root) {
  return [root, ...descendants(root)].reduce((sum, pid) => sum + (stat(pid)?.cpuMs ?? 0), 0);
}

/** True if the pid is alive (not a zombie) and has the same start time as recorded. */
export function alive(pid, startTicks) {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && (startTicks === undefined || s.startTicks === startTicks);
}

/** Rss per mapping kind from /proc/<pid>/smaps (bytes): node binary, shared libs, heap, anon, other files. */
export function rssBreakdown(pid) {
  const text = read(`/proc/${pid}/smaps`);
  if (!text) return null;
  const out = { node_binary: 0, shared_libs: 0, brk_heap: 0, anonymous: 0, stack: 0, other_files: 0 };
  let kind = 'anonymous';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1];
      if (!name) kind = 'anonymous';
      else if (name === '[heap]') kind = 'brk_heap';
      else if (name.startsWith('[stack')) kind = 'stack';
      else if (name.startsWith('[')) kind = 'anonymous';
      else if (/\/node$/.test(name)) kind = 'node_binary';
      else if (/\.so(\.|$)/.test(name)) kind = 'shared_libs';
      else kind = 'other_files';
      continue;
    }
    const m = /^Rss:\s+(\d+) kB/.exec(line);
    if (m) out[kind] += Number(m[1]) * KB;
  }
  return out;
}

/** Busy and total CPU ms of the whole machine (all cores) from /proc/stat. */
export function systemCpuMs() {
  const line = read('/proc/stat')?.split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
}

/** CPU ms of root, its reaped children, and every live descendant with its own reaped children: all the work done under root. */
export function subtreeCpuMs(root) {
  return [root, ...descendants(root)].reduce((sum, pid) => {
    const s = stat(pid);
    return sum + (s ? s.cpuMs + s.reapedChildrenCpuMs : 0);
  }, 0);
}

/** The weft-runtime process of a session: QUERY_SESSION's pid (bwrap's, when confined), or its descendant running weft-runtime. */
export function runtimePid(pid) {
  const isRuntime = (p) => (cmdline(p) ?? []).some((a) => a.includes('weft-runtime'));
  if (isRuntime(pid)) return pid;
  return descendants(pid).find(isRuntime) ?? pid;
}
