// Remembers every process the bench started (directly or via weft-appd) so teardown can prove none is left.
import { alive, descendants, stat } from './proc.mjs';

const known = new Map(); // pid -> { startTicks, label }

/** Records a pid (and its start time, so a reused pid is not mistaken for ours). */
export function track(pid, label) {
  const s = stat(pid);
  if (s && !known.has(pid)) known.set(pid, { startTicks: s.startTicks, label });
}

/** Records every live descendant of pid (call while weft-appd still runs). */
export function trackTree(pid, label) {
  for (const child of descendants(pid)) track(child, `${label} child`);
}

/** Records our own descendants: anything we spawned that is still around. */
export function trackOwnChildren() {
  trackTree(process.pid, 'bench');
}

/** Live processes among the tracked ones. */
export function leftovers() {
  trackOwnChildren();
  return [...known].filter(([pid, k]) => alive(pid, k.startTicks)).map(([pid, k]) => ({ pid, label: k.label }));
}

/** Polls until no tracked process is alive or timeoutMs passes; returns what is left. */
export async function waitAllGone(timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let left = leftovers();
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = leftovers();
  }
  return left;
}

/** Kills (SIGKILL) tracked processes that are still alive — each by its own pid, after checking its start time. */
export function killLeftovers() {
  for (const { pid } of leftovers()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
