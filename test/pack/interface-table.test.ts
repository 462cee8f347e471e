// weft-pack check and weft-runtime's launch judge component imports by one table: for every entry and every kind of version, they agree.
import { describe, expect, it } from 'vitest';
import { parseCapability, type Grant } from '../../src/manifest/capabilities.js';
import { judgeComponentImport } from '../../src/pack/import-policy.js';
import { GRANT_KIND, INTERFACES } from '../../src/protocol/interfaces.js';
import { FACTORS } from '../../src/runtime/factors/index.js';
import { planImports } from '../../src/runtime/main-thread/import-plan.js';

const session = { appId: 'org.example.app', sessionId: '1', ipcConnected: true, env: {}, kvQuotaBytes: 1 << 20 };
const ALL_GRANTS: Grant[] = ['fs:rw:app-data', 'net:fetch:*', 'sys:notifications', 'sys:clipboard:read', 'sys:clipboard:write', 'storage:kv', 'config:read', 'schedule:manage'].map((c) => (parseCapability(c) as { grant: Grant }).grant);
const GRANT_SETS = { 'no grants': [] as Grant[], 'every grant': ALL_GRANTS };

/** Check's answer for one import with these grants: passes, or refused (unknown, bad version, or a needed grant missing). */
function passesCheck(name: string, grants: readonly Grant[]): boolean {
  const verdict = judgeComponentImport({ kind: 'instance', name });
  return verdict.ok && (verdict.needs === null || grants.some((g) => g.kind === GRANT_KIND[verdict.needs as keyof typeof GRANT_KIND]));
}

function launches(name: string, grants: readonly Grant[]): boolean {
  try {
    planImports([name], grants, session);
    return true;
  } catch {
    return false;
  }
}

/** Every spelling of a version that matters: a release of the series, a later patch, none, a pre-release, build metadata, another series. */
function spellings(iface: string, series: string): string[] {
  const [major, minor] = series.split('.').map(Number) as [number, number];
  return [`${iface}@${series}.0`, `${iface}@${series}.12`, iface, `${iface}@${series}.0-rc-2023-11-10`, `${iface}@${series}.0+build`, `${iface}@${major}.${minor + 1}.0`, `${iface}@${major + 1}.0.0`];
}

describe('the interface table', () => {
  const names = [
    ...INTERFACES.flatMap((e) => spellings(e.iface, e.series)),
    // Drift cases found before the table: an unknown WASI interface at a good version, an unknown weft:app one, another namespace.
    'wasi:keyvalue/store@0.2.0',
    'wasi:sockets/unknown@0.2.0',
    'weft:app/kv@0.1.0',
    'example:thing/api@1.0.0',
  ];
  for (const [label, grants] of Object.entries(GRANT_SETS)) {
    it(`check and launch agree on ${names.length} import names with ${label}`, () => {
      const disagreements = names.filter((name) => passesCheck(name, grants) !== launches(name, grants));
      expect(disagreements).toEqual([]);
    });
  }

  it('accepts each entry at a release of its series and refuses unversioned, pre-release and other-series imports', () => {
    for (const entry of INTERFACES) {
      const [release, patch, bare, rc, build, nextMinor, nextMajor] = spellings(entry.iface, entry.series) as [string, string, string, string, string, string, string];
      expect([release, patch].every((n) => passesCheck(n, ALL_GRANTS)), entry.iface).toBe(true);
      expect([bare, rc, build, nextMinor, nextMajor].some((n) => passesCheck(n, ALL_GRANTS)), entry.iface).toBe(false);
    }
  });

  it('refuses wasi:keyvalue/store@0.2.0 at check, naming what weft provides', () => {
    const verdict = judgeComponentImport({ kind: 'instance', name: 'wasi:keyvalue/store@0.2.0' });
    expect(verdict).toMatchObject({ ok: false, message: expect.stringContaining('weft does not provide wasi:keyvalue/store') });
  });

  it('names a real factor for every non-WASI entry, and every factor provides something', () => {
    const factorNames = new Set(FACTORS.map((f) => f.name));
    expect(INTERFACES.filter((e) => e.provider !== 'wasi' && !factorNames.has(e.provider))).toEqual([]);
    expect([...factorNames].filter((name) => !INTERFACES.some((e) => e.provider === name))).toEqual([]);
  });
});
