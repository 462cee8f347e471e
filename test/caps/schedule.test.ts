// [[schedules]] through real weft-appd and weft-runtime processes: the app is started and gets schedule-tick messages on time, across an appd restart; manifest validation of cron, zone, quota and capability.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCron, nextRun } from '../../src/schedule/cron.js';
import { parseManifest } from '../../src/manifest/parse.js';
import { connect, CTL_BIN, installRealApp, makeEnv, REAL_RUNTIME_BIN, requireBuilt, startDaemon, subscribe, waitFor, type AppdEvent, type TestEnv } from '../appd/harness.js';

const envs: TestEnv[] = [];
afterAll(() => envs.forEach((t) => t.cleanup()));

const BASE = '[package]\nid = "org.test.sched"\nname = "S"\nversion = "1.0.0"\ncapabilities = ["schedule:manage"]\n[runtime]\nmodule = "app.wasm"\n';

function problems(toml: string): string[] {
  return parseManifest(toml).problems.map((p) => `${p.where}: ${p.message}`);
}

describe('[[schedules]] in the manifest', () => {
  it('accepts cron with a time zone and rejects bad expressions, zones, frequency and a missing capability', () => {
    expect(parseManifest(`${BASE}[[schedules]]\nname = "daily"\ncron = "30 7 * * 1-5"\ntime_zone = "Europe/Paris"\n`).manifest?.schedules).toEqual([
      { name: 'daily', cron: '30 7 * * 1-5', timeZone: 'Europe/Paris' },
    ]);
    expect(problems(`${BASE}[[schedules]]\nname = "x"\ncron = "* * *"\n`)).toEqual([
      'schedules[0].cron: "* * *" has 3 fields; cron takes five (minute hour day-of-month month day-of-week), or "@every <n>s|m|h"',
    ]);
    expect(problems(`${BASE}[[schedules]]\nname = "x"\ncron = "0 * * * *"\ntime_zone = "Mars/Olympus"\n`)).toEqual([
      'schedules[0].cron: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)',
    ]);
    expect(problems(`${BASE}[[schedules]]\nname = "x"\ncron = "* * * * *"\n`)).toEqual(['schedules[0].cron: "* * * * *" runs every 60 s; the minimum interval is 300 s']);
    expect(problems(`${BASE.replace('"schedule:manage"', '')}[[schedules]]\nname = "x"\ncron = "0 * * * *"\n`)).toEqual([
      'schedules: declares schedules but package.capabilities does not grant "schedule:manage"',
    ]);
    const many = Array.from({ length: 51 }, (_, i) => `[[schedules]]\nname = "s${i}"\ncron = "0 * * * *"\n`).join('');
    expect(problems(`${BASE}${many}`)).toEqual(['schedules: declares 51 schedules; the limit is 50']);
  });

  it('computes the next run in the schedule’s time zone', () => {
    const at = Date.UTC(2026, 0, 1, 10, 7);
    expect(new Date(nextRun(parseCron('30 9 * * 1-5', 'Europe/Paris'), at)).toISOString()).toBe('2026-01-02T08:30:00.000Z');
    expect(new Date(nextRun(parseCron('*/15 * * * *', 'UTC'), at)).toISOString()).toBe('2026-01-01T10:15:00.000Z');
  });
});

describe('weft-appd scheduler', () => {
  it('starts the app and delivers schedule-tick messages, and keeps firing after an appd restart', async () => {
    requireBuilt();
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_SCHEDULE_MIN_INTERVAL_S: '1', WEFT_STANDBY: '0', WEFT_LOG: 'info' });
    envs.push(t);
    installRealApp(t.store, 'echo', '[[schedules]]\nname = "tick"\ncron = "@every 2s"\n', (toml) => toml.replace('capabilities = []', 'capabilities = ["schedule:manage"]'));

    for (let run = 0; run < 2; run++) {
      const daemon = await startDaemon(t);
      const client = await connect(t);
      const events: AppdEvent[] = await subscribe(client);
      // Echo sends every message back, so the tick shows up as the app's IPC message.
      const tick = await waitFor(
        () => events.find((e) => e.type === 'IPC_MESSAGE' && String(e.payload).includes('schedule-tick')),
        20_000,
        `a schedule tick (run ${run})`,
      );
      expect(JSON.parse(String(tick.payload))).toMatchObject({ type: 'schedule-tick', name: 'tick' });
      client.close();
      await daemon.stop();
    }
    const state = JSON.parse(readFileSync(join(t.base, 'data', 'weft', 'schedules.json'), 'utf8')) as { last_fired: Record<string, number> };
    expect(Object.keys(state.last_fired)).toEqual(['org.weft.test.echo/tick']);
    const listed = spawnSync(process.execPath, [CTL_BIN, '--json', 'schedules'], { env: t.env, encoding: 'utf8' });
    const rows = JSON.parse(listed.stdout) as { app_id: string; name: string; next_run: string; last_fired: string }[];
    expect(rows).toMatchObject([{ app_id: 'org.weft.test.echo', name: 'tick', cron: '@every 2s', time_zone: 'UTC' }]);
    expect(Date.parse(rows[0]!.next_run)).toBeGreaterThan(Date.parse(rows[0]!.last_fired));
  }, 90_000);

  it('a secret value never reaches weft-appd’s log or weftctl output, even when the app logs it or reads it back', async () => {
    requireBuilt();
    const secret = 'sk-appd-9f8e7d6c5b4a';
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_STANDBY: '0' });
    envs.push(t);
    const id = installRealApp(t.store, 'caps');
    expect(spawnSync(process.execPath, [CTL_BIN, 'config', 'set', id, 'api_key'], { env: t.env, input: secret, encoding: 'utf8' }).status).toBe(0);
    const daemon = await startDaemon(t);
    const client = await connect(t);
    const events: AppdEvent[] = await subscribe(client);
    const launched = (await client.request({ type: 'LAUNCH_APP', app_id: id, surface_id: 0 })) as { session_id: number };
    await client.request({ type: 'IPC_FORWARD', session_id: launched.session_id, payload: 'config api_key' });
    await client.request({ type: 'IPC_FORWARD', session_id: launched.session_id, payload: `log the key is ${secret}` });
    await waitFor(() => events.filter((e) => e.type === 'IPC_MESSAGE').length >= 2, 20_000, 'replies');
    await waitFor(() => daemon.logs.some((r) => JSON.stringify(r).includes('app-log')), 10_000, 'the log record in appd’s log');
    const ctlOut = spawnSync(process.execPath, [CTL_BIN, 'config', 'list', id], { env: t.env, encoding: 'utf8' });
    await client.request({ type: 'TERMINATE_APP', session_id: launched.session_id });
    client.close();
    await daemon.stop();
    expect(JSON.stringify(daemon.logs)).not.toContain(secret);
    expect(JSON.stringify(daemon.logs)).toContain('the key is [redacted]');
    expect(ctlOut.stdout + ctlOut.stderr).not.toContain(secret);
  }, 90_000);

  it('an app creates its own schedule through weft:app/schedule; ticks reach it (counted in its kv store) until it deletes it', async () => {
    requireBuilt();
    const t = makeEnv(REAL_RUNTIME_BIN, { WEFT_SCHEDULE_MIN_INTERVAL_S: '2', WEFT_STANDBY: '0', WEFT_LOG: 'info' });
    envs.push(t);
    const id = installRealApp(t.store, 'caps');
    expect(spawnSync(process.execPath, [CTL_BIN, 'config', 'set', id, 'api_key', 'k'], { env: t.env, encoding: 'utf8' }).status).toBe(0);
    const daemon = await startDaemon(t);
    const client = await connect(t);
    const events: AppdEvent[] = await subscribe(client);
    const launched = (await client.request({ type: 'LAUNCH_APP', app_id: id, surface_id: 0 })) as { session_id: number };
    const messages = () => events.filter((e) => e.type === 'IPC_MESSAGE' && e.session_id === launched.session_id).map((e) => JSON.parse(String(e.payload)) as Record<string, unknown>);
    await client.request({ type: 'IPC_FORWARD', session_id: launched.session_id, payload: 'sched too-often @every 1s' });
    await client.request({ type: 'IPC_FORWARD', session_id: launched.session_id, payload: 'sched wake @every 2s' });
    await waitFor(() => messages().length >= 2, 20_000, 'replies to sched');
    expect(messages()[0]).toEqual({ error: 'schedule: "@every 1s" runs every 1 s; the minimum interval is 2 s' });
    expect(messages()[1]).toHaveProperty('next_run_ms');
    await waitFor(() => messages().some((m) => m.ticks === 2), 20_000, 'two ticks counted by the app');
    await client.request({ type: 'IPC_FORWARD', session_id: launched.session_id, payload: 'unsched wake' });
    await waitFor(() => messages().some((m) => m.ok === true), 10_000, 'unsched reply');
    const listed = JSON.parse(spawnSync(process.execPath, [CTL_BIN, '--json', 'schedules'], { env: t.env, encoding: 'utf8' }).stdout) as unknown[];
    expect(listed).toEqual([]);
    client.close();
    await daemon.stop();
  }, 90_000);
});
