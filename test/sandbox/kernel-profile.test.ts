// The bwrap profile itself, around a small node program instead of the runtime: what a process inside can do with no grants (no network out, no symlinks, no user namespaces of its own, nothing of $HOME), and that a net grant gives the network back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRuntime } from '../../src/appd/backends/spawn.js';
import { Confiner } from '../../src/appd/sandbox/confiner.js';
import { readHostLayout } from '../../src/appd/sandbox/host-layout.js';
import { chooseSandbox } from '../../src/appd/sandbox/mechanism.js';
import type { ConfinementProfile } from '../../src/appd/sandbox/profile.js';
import { bwrapWorks } from './helpers/bwrap.js';

if (!bwrapWorks() && process.env.CI) throw new Error('the kernel profile suite needs bubblewrap; .ci/run installs it');

/** Runs inside the sandbox; prints one JSON line of what it could and could not do. */
const PROBE = `
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const [port, secret] = process.argv.slice(1);
const out = {};
out.userns = spawnSync('unshare', ['-Ur', 'true']).status;
try { fs.symlinkSync('/', '/tmp/escape'); out.symlink = 'made'; } catch (e) { out.symlink = e.code; }
out.interfaces = Object.keys(os.networkInterfaces()).sort();
out.secret = fs.existsSync(secret);
out.root = fs.readdirSync('/').sort();
try { fs.writeFileSync('/usr/x', 'x'); out.writeUsr = 'written'; } catch (e) { out.writeUsr = e.code; }
const socket = net.connect(Number(port), '127.0.0.1');
socket.on('connect', () => { out.connect = 'connected'; console.log(JSON.stringify(out)); process.exit(0); });
socket.on('error', (e) => { out.connect = e.code; console.log(JSON.stringify(out)); process.exit(0); });
`;

const BARE: ConfinementProfile = { packageBinds: [], symlinks: [], dataBinds: [], cacheDir: null, ipcSocket: null, network: false, sockets: [], env: [] };

describe.skipIf(!bwrapWorks())('the bwrap profile, shown by a program inside it', () => {
  let server: Server;
  let port: number;
  let home: string;
  let secret: string;
  beforeAll(async () => {
    // A listener on the host's loopback: the program inside tries to reach it.
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    home = mkdtempSync(join(tmpdir(), 'weft-kernel-profile-'));
    secret = join(home, 'secret.txt');
    writeFileSync(secret, 'not for apps\n');
  });
  afterAll(() => {
    server.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function runInside(profile: ConfinementProfile): Promise<Record<string, unknown>> {
    const choice = chooseSandbox({ PATH: process.env.PATH });
    if (!choice.ok || choice.status.kind !== 'bwrap') throw new Error('bwrap unavailable');
    const confiner = new Confiner(choice.status, readHostLayout({ HOME: home }, []));
    const proc = spawnRuntime(confiner.wrap([process.execPath, '-e', PROBE, String(port), secret], profile), 'direct');
    const lines: string[] = [];
    const errors: string[] = [];
    proc.stdout.on('line', (line: string) => lines.push(line));
    proc.stderr.on('line', (line: string) => errors.push(line));
    const code = await new Promise<number | null>((resolve) => proc.child.once('close', (c) => resolve(c)));
    expect(code, errors.join('\n')).toBe(0);
    return JSON.parse(lines[0] as string) as Record<string, unknown>;
  }

  it('no grants: no network out (only its own lo), no symlinks, no user namespaces, no $HOME, read-only system', async () => {
    const seen = await runInside(BARE);
    expect(seen.interfaces).toEqual(['lo']);
    expect(seen.connect).toBe('ECONNREFUSED'); // its own loopback has no listener; the host's is out of reach
    expect(seen.symlink).toBe('EPERM');
    expect(seen.userns).not.toBe(0);
    expect(seen.secret).toBe(false);
    expect(seen.writeUsr).toMatch(/^E(ROFS|ACCES|PERM)$/);
    expect(seen.root).not.toContain('root');
    expect(seen.root).not.toContain('home');
  });

  it('a net:fetch grant (network: true) shares the host network: the same connect succeeds', async () => {
    const seen = await runInside({ ...BARE, network: true });
    expect(seen.connect).toBe('connected');
    // Everything else stays as confined.
    expect(seen.symlink).toBe('EPERM');
    expect(seen.userns).not.toBe(0);
    expect(seen.secret).toBe(false);
  });
});
