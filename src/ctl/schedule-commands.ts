// weftctl schedules: every installed app's schedules ([[schedules]] and those it made itself) with its next run, computed as weft-appd does from the manifests and the last-fired times (no daemon needed).
import { readAppSchedules } from '../schedule/app-schedules.js';
import { nextRun, parseCron } from '../schedule/cron.js';
import { readLastFired } from '../schedule/last-fired.js';
import { scheduleStateFile } from '../config/paths.js';
import { listInstalled } from '../store/list.js';
import type { Common, Io } from './commands.js';
import { table } from './format.js';

export async function schedules(io: Io, common: Pick<Common, 'json'>): Promise<void> {
  const lastFired = readLastFired(scheduleStateFile());
  const now = Date.now();
  const rows = (await listInstalled()).flatMap((app) =>
    [...(app.manifest?.schedules ?? []), ...(app.manifest?.grants.some((g) => g.kind === 'schedule') ? readAppSchedules(app.installed.appId) : [])].map((s) => {
      const key = `${app.installed.appId}/${s.name}`;
      const since = lastFired[key] ?? now;
      const next = Math.max(nextRun(parseCron(s.cron, s.timeZone), since, since), now);
      return { app_id: app.installed.appId, name: s.name, cron: s.cron, time_zone: s.timeZone, next_run: new Date(next).toISOString(), last_fired: lastFired[key] ? new Date(lastFired[key]).toISOString() : null };
    }),
  );
  if (common.json) {
    io.out(JSON.stringify(rows));
    return;
  }
  if (rows.length === 0) {
    io.out('no schedules (an app declares them with [[schedules]] and the schedule:manage capability)');
    return;
  }
  io.out(table(['APP ID', 'NAME', 'CRON', 'TIME ZONE', 'NEXT RUN', 'LAST FIRED'], rows.map((r) => [r.app_id, r.name, r.cron, r.time_zone, r.next_run, r.last_fired ?? '-'])));
}
