// What of weft's own tree a confined runtime sees: dist/, vendor/, package.json and node_modules, not the rest of a checkout (sources, tests, .git, keys).
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHostLayout, WEFT_ROOT_PARTS } from '../../src/appd/sandbox/host-layout.js';
import type { SessionDetails } from '../../src/protocol/messages.js';
import { connect, installRealApp, makeEnv, REAL_RUNTIME_BIN, realAppsReady, ROOT, startDaemon, subscribe, waitFor, type RunningDaemon, type TestEnv } from '../appd/harness.js';
import { bwrapWorks } from './helpers/bwrap.js';

const missing = !realAppsReady(['counter']) ? 'the built fixture apps' : !bwrapWorks() ? 'bubblewrap' : null;
if (missing && process.env.CI) throw new Error(`the host layout suite needs ${missing}`);

describe('the host layout binds weft\'s runtime parts, not its whole tree', () => {
  it('lists dist/, vendor/ and package.json; node_modules at its real path, plus the link when it is one', () => {
    const layout = readHostLayout({ PATH: '/usr/bin:/bin' }, []);
    for (const part of WEFT_ROOT_PARTS) expect(layout.readOnly).toContain(join(ROOT, part));
    expect(layout.readOnly).not.toContain(ROOT);
    expect(layout.readOnly.some((p) => p === join(ROOT, 'src') || p === join(ROOT, 'test') || p === join(ROOT, '.git'))).toBe(false);
    const modules = join(ROOT, 'node_modules');
    expect(layout.readOnly).toContain(realpathSync(modules));
    expect(layout.links).toEqual(lstatSync(modules).isSymbolicLink() ? [{ path: modules, target: realpathSync(modules) }] : []);
  });
});

describe.skipIf(missing !== null)('a confined runtime sees weft\'s runtime parts only', () => {
  let t: TestEnv;
  let daemon: RunningDaemon;
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    t?.cleanup();
  });

  it('the runtime runs (so nothing it needs is missing), and its root holds no sources, tests or .git of weft', async () => {
    t = makeEnv(REAL_RUNTIME_BIN, { WEFT_LOG: 'info', WEFT_STANDBY: '0' });
    installRealApp(t.store, 'counter');
    daemon = await startDaemon(t);
    const client = await connect(t);
    const events = await subscribe(client);
    const ack = await client.request({ type: 'LAUNCH_APP', app_id: 'org.weft.demo.counter', surface_id: 0 });
    if (ack.type !== 'LAUNCH_ACK') throw new Error(JSON.stringify(ack));
    await waitFor(() => events.find((e) => e.type === 'APP_READY' && e.session_id === ack.session_id), 30_000, 'counter READY');
    const reply = (await client.request({ type: 'QUERY_SESSION', session_id: ack.session_id })) as { session: SessionDetails };
    const pid = reply.session.pid as number;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('weft-runtime');
    const root = `/proc/${pid}/root`;
    expect(existsSync(join(root, REAL_RUNTIME_BIN))).toBe(true);
    expect(existsSync(join(root, ROOT, 'package.json'))).toBe(true);
    for (const hidden of ['src', 'test', '.git', 'README.md', 'apps']) expect(existsSync(join(root, ROOT, hidden)), `${hidden} inside`).toBe(false);
    client.close();
  });
});
