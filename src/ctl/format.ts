// Text formatting for weftctl: aligned tables, sizes, durations and one-line event descriptions.
import type { Response, SessionDetails } from '../protocol/messages.js';
import { inert } from './inert.js';
import { describeExit } from '../protocol/exit-text.js';

/** Left-aligned columns separated by two spaces; the header row in capitals. */
export function table(headers: readonly string[], cellsOf: ReadonlyArray<readonly string[]>): string {
  // Cells are single-line fields, often an app's: a newline or an escape in one is shown, not obeyed.
  const rows = cellsOf.map((row) => row.map(inert));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}


export function sessionRow(s: SessionDetails, now: number): string[] {
  return [
    String(s.session_id),
    s.app_id,
    s.state,
    s.pid === null ? '-' : String(s.pid),
    s.state === 'stopped' ? '-' : formatDuration(now - Date.parse(s.started_at)),
    formatDuration(s.ready_ms),
    String(s.restarts),
    s.cpu_percent === null ? '-' : `${s.cpu_percent.toFixed(1)}%`,
    formatBytes(s.rss_bytes),
  ];
}

export const SESSION_HEADERS = ['SESSION', 'APP', 'STATE', 'PID', 'UPTIME', 'READY', 'RESTARTS', 'CPU', 'RSS'] as const;

/** Key/value lines for one session. */
export function sessionDetails(s: SessionDetails): string {
  const rows: Array<[string, string]> = [
    ['session', String(s.session_id)],
    ['app', s.app_id],
    ['state', s.state],
    ['pid', s.pid === null ? '-' : String(s.pid)],
    ['backend', s.backend],
    ['started', s.started_at],
    ['ready in', formatDuration(s.ready_ms)],
    ['restarts', String(s.restarts)],
    ['cpu', s.cpu_percent === null ? '-' : `${s.cpu_percent.toFixed(1)}%`],
    ['rss', formatBytes(s.rss_bytes)],
  ];
  if (s.exit) rows.push(['last exit', describeExit(s.exit)]);
  return keyValues(rows);
}

export function keyValues(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${inert(value)}`).join('\n');
}

/** One line per event for `weftctl watch`. */
export function formatEvent(event: Response, at: Date): string {
  const time = at.toISOString().slice(11, 23);
  const r = event as Record<string, unknown>;
  const who = typeof r.session_id === 'number' ? `session ${r.session_id}${typeof r.app_id === 'string' ? ` (${inert(r.app_id)})` : ''}` : '';
  switch (event.type) {
    case 'APP_READY':
      return `${time}  ready     ${who}`;
    case 'APP_STATE': {
      let detail = '';
      if (event.state === 'stopped' && event.reason) detail = ` — ${inert(describeExit(event))}`;
      if (event.restart_in_ms !== undefined) detail += `; restarting in ${formatDuration(event.restart_in_ms)} (restart ${event.restarts})`;
      return `${time}  ${event.state.padEnd(8)}  ${who}${detail}`;
    }
    case 'IPC_MESSAGE':
      return `${time}  message   ${who}: ${inert(event.payload)}`;
    default:
      return `${time}  ${inert(event.type)}  ${inert(JSON.stringify(event))}`;
  }
}
