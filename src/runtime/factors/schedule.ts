// Factor weft:app/schedule (schedule:manage): the app creates, lists and deletes its own wake-ups; weft-appd delivers them like [[schedules]].
import { nextRun, parseCron } from '../../schedule/cron.js';
import { readAppSchedules, writeAppSchedules } from '../../schedule/app-schedules.js';
import { readLastFired } from '../../schedule/last-fired.js';
import { scheduleStateFile, type Env } from '../../config/paths.js';
import { MAX_SCHEDULES, minIntervalSeconds, scheduleProblem, type Schedule } from '../../manifest/schedules.js';
import { defineFactor, err, ok, type WitResult } from './factor.js';

interface ScheduleConfig {
  appId: string;
  /** The manifest's [[schedules]]: listed, counted in the quota, not deletable by the app. */
  declared: Schedule[];
}

type ScheduleInfo = { name: string; cron: string; timeZone: string; nextRunMs: bigint };

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

function info(appId: string, schedule: Schedule, env: Env): ScheduleInfo {
  const lastFired = readLastFired(scheduleStateFile(env))[`${appId}/${schedule.name}`];
  const now = Date.now();
  const since = lastFired ?? now;
  return { name: schedule.name, cron: schedule.cron, timeZone: schedule.timeZone, nextRunMs: BigInt(Math.max(nextRun(parseCron(schedule.cron, schedule.timeZone), since, since), now)) };
}

export const scheduleFactor = defineFactor<ScheduleConfig>({
  name: 'schedule',
  grant: (grants, session) => (grants.some((g) => g.kind === 'schedule') ? { appId: session.appId, declared: [...(session.schedules ?? [])] } : null),
  host: (config, context) => ({
    async call(op, args) {
      const { env } = context;
      const own = readAppSchedules(config.appId, env);
      if (op === 'create') {
        const [name, cron, timeZone] = args as [string, string, string];
        if (!NAME.test(name)) throw new Error(`schedule: "${name}" is not a schedule name: use 1-64 of a-z, 0-9, "_" and "-", starting with a letter`);
        if (config.declared.some((s) => s.name === name)) throw new Error(`schedule: "${name}" is declared in the manifest's [[schedules]]; choose another name`);
        const problem = scheduleProblem(cron, timeZone, minIntervalSeconds(env));
        if (problem) throw new Error(`schedule: ${problem}`);
        const others = own.filter((s) => s.name !== name);
        if (others.length + config.declared.length >= MAX_SCHEDULES) {
          throw new Error(`schedule: the app already has ${MAX_SCHEDULES} schedules (the limit, [[schedules]] included); delete one first`);
        }
        const schedule = { name, cron, timeZone };
        writeAppSchedules(config.appId, [...others, schedule], env);
        return info(config.appId, schedule, env);
      }
      if (op === 'list') return [...config.declared, ...own].map((s) => info(config.appId, s, env));
      if (op === 'delete') {
        const [name] = args as [string];
        if (config.declared.some((s) => s.name === name)) throw new Error(`schedule: "${name}" comes from the manifest's [[schedules]] and cannot be deleted by the app`);
        if (own.some((s) => s.name === name)) writeAppSchedules(config.appId, own.filter((s) => s.name !== name), env);
        return undefined;
      }
      throw new Error(`schedule: unknown operation ${op}`);
    },
  }),
  guest: (_config, context) => {
    function call<T>(op: string, args: unknown[]): WitResult<T> {
      const reply = context.call('schedule', op, args);
      return reply.ok ? ok(reply.value as T) : err(reply.error);
    }
    return {
      'weft:app/schedule': {
        create: (name: string, cron: string, timeZone: string) => call<ScheduleInfo>('create', [name, cron, timeZone]),
        listSchedules: () => call<ScheduleInfo[]>('list', []),
        delete: (name: string) => call<undefined>('delete', [name]),
      },
    };
  },
});
