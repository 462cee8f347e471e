// The component reader and wasm inspection: agreement with jco's componentWit on real components, rejections, robustness on damaged input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentWit, parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PREVIEW1_FUNCTIONS } from '../../src/pack/import-policy.js';
import { WasmFormatError } from '../../src/wasm/byte-reader.js';
import { readComponentLayout } from '../../src/wasm/component-reader.js';
import { inspectWasm } from '../../src/wasm/inspect.js';
import { FIXTURES, REPO } from './helpers.js';
import { WebAssemblyApi } from '../../src/wasm/webassembly-api.js';

const appsDir = join(REPO, 'apps');
const realApps = existsSync(appsDir) ? readdirSync(appsDir).filter((name) => existsSync(join(appsDir, name, 'app.wasm'))) : [];

/** The `import x;` / `export y;` lines of a world printed by componentWit. */
function witNames(wit: string, keyword: 'import' | 'export'): string[] {
  return [...wit.matchAll(new RegExp(`^\\s+${keyword} ([^;{]+);`, 'gm'))].map((m) => (m[1] as string).trim());
}

describe('component reader', () => {
  it('reads the fixture component', () => {
    const layout = readComponentLayout(readFileSync(join(FIXTURES, 'component.wasm')));
    expect(layout.imports).toEqual([
      { name: 'weft:app/notify@0.1.0', kind: 'instance' },
      { name: 'weft:app/ipc@0.1.0', kind: 'instance' },
    ]);
    expect(layout.exports).toEqual([{ name: 'wasi:cli/run@0.2.3', kind: 'instance' }]);
    expect(layout.coreModules).toHaveLength(1);
  });

  it.skipIf(realApps.length === 0).each(realApps)('agrees with componentWit on apps/%s', async (app) => {
    const bytes = readFileSync(join(appsDir, app, 'app.wasm'));
    const inspected = inspectWasm(bytes);
    expect(inspected.ok).toBe(true);
    if (!inspected.ok || inspected.info.kind !== 'component') return;
    const wit = await componentWit(bytes);
    expect(inspected.info.imports.map((i) => i.name)).toEqual(witNames(wit, 'import'));
    expect(inspected.info.exports.map((e) => e.name)).toEqual(witNames(wit, 'export'));
  });

  it('reads func and type imports and exports too', async () => {
    const bytes = await parse(`(component
      (import "log" (func (param "msg" string)))
      (import "t" (type (sub resource)))
      (core module $m)
      (core instance $i (instantiate $m))
      (export "t2" (type 1)))`);
    const layout = readComponentLayout(bytes);
    expect(layout.imports).toEqual([
      { name: 'log', kind: 'func' },
      { name: 't', kind: 'type' },
    ]);
    expect(layout.exports).toEqual([{ name: 't2', kind: 'type' }]);
  });

  it('throws only WasmFormatError on truncated or corrupted components', () => {
    const good = readFileSync(join(FIXTURES, 'component.wasm'));
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.nat(255), fc.boolean(), (at, value, truncate) => {
        const bytes = truncate ? good.subarray(0, at) : Buffer.from(good);
        if (!truncate) bytes[at] = value;
        try {
          readComponentLayout(bytes);
        } catch (cause) {
          expect(cause).toBeInstanceOf(WasmFormatError);
        }
        // inspectWasm never throws: it reports.
        expect(() => inspectWasm(bytes)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('inspectWasm', () => {
  it('lists a core module’s imports and exports', () => {
    const result = inspectWasm(readFileSync(join(FIXTURES, 'hello.wasm')));
    expect(result).toEqual({
      ok: true,
      info: {
        kind: 'core',
        imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'function' }],
        exports: [
          { name: 'memory', kind: 'memory' },
          { name: '_start', kind: 'function' },
        ],
      },
    });
  });

  it('tells the rejection reasons apart', () => {
    const reason = (bytes: Uint8Array): string => {
      const r = inspectWasm(bytes);
      return r.ok ? 'ok' : r.rejection.reason;
    };
    expect(reason(Buffer.from('hello world'))).toBe('not-wasm');
    expect(reason(Buffer.from('0061736d02000000', 'hex'))).toBe('unknown-version');
    expect(reason(Buffer.from('0061736d01000000ff', 'hex'))).toBe('invalid-core');
    expect(reason(Buffer.from('0061736d0d00010001ff', 'hex'))).toBe('invalid-component');
  });

  it('reports V8’s reason for an invalid core module', () => {
    const r = inspectWasm(Buffer.from('0061736d0100000001', 'hex'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.message).toMatch(/^is not valid WebAssembly: .+/);
  });

  it('refuses a component whose embedded core module is invalid', async () => {
    const bytes = Buffer.from(await parse('(component (core module $m (func (export "f"))))'));
    // Corrupt the embedded module's version byte (core module section starts right after the 8-byte preamble).
    const at = bytes.indexOf(Buffer.from('0061736d01000000', 'hex'), 8);
    bytes[at + 4] = 0x02;
    const r = inspectWasm(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.message).toContain('embedded core module #0');
  });
});

describe('preview1 function list', () => {
  it('is exactly what the vendored preview1 adapter exports', () => {
    const adapter = readFileSync(join(REPO, 'vendor', 'wasi-preview1-adapter', 'wasi_snapshot_preview1.command.wasm'));
    const exports = WebAssemblyApi.Module.exports(new WebAssemblyApi.Module(adapter))
      .map((e) => e.name)
      .filter((name) => !name.startsWith('adapter_') && !name.startsWith('cabi_') && !name.includes(':') && name !== 'reset_adapter_state');
    expect(new Set(exports)).toEqual(PREVIEW1_FUNCTIONS);
  });
});
