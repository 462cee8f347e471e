// Writes the golden package directories (invalid/<case>/, valid/<case>/package/) (wapp.toml, tiny .wasm made from WAT with jco's parse(), symlinks); the expected.* files are written by the tests with UPDATE_GOLDEN=1.
// Run from the repo root: node test/pack/golden/make-fixtures.mjs
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';

const here = dirname(fileURLToPath(import.meta.url));

// --- WebAssembly text ------------------------------------------------------------------------

const CORE_HELLO = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

const CORE_FILES = `(module
  (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

const CORE_NO_START = `(module
  (memory (export "memory") 1)
  (func (export "main")))`;

const CORE_NO_MEMORY = `(module
  (memory 1)
  (func (export "_start")))`;

const CORE_IMPORTS_ENV = `(module
  (import "env" "malloc" (func (param i32) (result i32)))
  (import "env" "free" (func (param i32)))
  (import "env" "__stack_pointer" (global (mut i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

const CORE_UNKNOWN_PREVIEW1 = `(module
  (import "wasi_snapshot_preview1" "fd_teleport" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

/** A command component: the given imports (empty instance types) and `wasi:cli/run` at `runVersion` (null: no run export). */
function component(imports, runVersion = '0.2.3') {
  const importLines = imports.map((name) => `  (import "${name}" (instance))`).join('\n');
  const run =
    runVersion === null
      ? `  (export "helper" (func $run))`
      : `  (instance $r (export "run" (func $run)))
  (export "wasi:cli/run@${runVersion}" (instance $r))`;
  return `(component
${importLines}
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (type $ft (func (result (result))))
  (func $run (type $ft) (canon lift (core func $i "run")))
${run})`;
}

// --- manifests -----------------------------------------------------------------------------

function manifest({ id = 'org.example.golden', name = 'Golden', version = '1.0.0', capabilities = [], module = 'app.wasm', ui = null, extra = '' } = {}) {
  const caps = capabilities.map((c) => JSON.stringify(c)).join(', ');
  const uiTable = ui === null ? '' : `\n[ui]\nentry = ${JSON.stringify(ui)}\n`;
  return `[package]
id = ${JSON.stringify(id)}
name = ${JSON.stringify(name)}
version = ${JSON.stringify(version)}
capabilities = [${caps}]
${extra}
[runtime]
module = ${JSON.stringify(module)}
${uiTable}`;
}

const PAGE = '<!doctype html>\n<title>golden</title>\n<p>golden fixture</p>\n';

// --- cases ---------------------------------------------------------------------------------
// File values: a string (text), { wat }, { bytes }, or { symlink: target }.

const invalid = {
  'toml-syntax': { 'wapp.toml': '[package]\nid = "org.example.toml"\nname = "Broken\nversion = "1.0.0"\n' },
  'bad-id': { 'wapp.toml': manifest({ id: 'org.Example.app' }), 'app.wasm': { wat: CORE_HELLO } },
  'id-two-parts': { 'wapp.toml': manifest({ id: 'org.example' }), 'app.wasm': { wat: CORE_HELLO } },
  'long-name': { 'wapp.toml': manifest({ name: 'N'.repeat(65) }), 'app.wasm': { wat: CORE_HELLO } },
  'empty-name': { 'wapp.toml': manifest({ name: '' }), 'app.wasm': { wat: CORE_HELLO } },
  'bad-semver': { 'wapp.toml': manifest({ version: '1.0' }), 'app.wasm': { wat: CORE_HELLO } },
  'unknown-capability': { 'wapp.toml': manifest({ capabilities: ['net:everything', 'fs:rw:home'] }), 'app.wasm': { wat: CORE_HELLO } },
  'bad-fetch-host': {
    'wapp.toml': manifest({ capabilities: ['net:fetch:', 'net:fetch:exa mple.com', 'net:fetch:*.*.example.com', 'net:fetch:api.example.com:99999', 'net:fetch:API.example.com'] }),
    'app.wasm': { wat: component(['weft:app/fetch@0.1.0']) },
  },
  'missing-keys': { 'wapp.toml': '[package]\nid = "org.example.missing"\n' },
  'wrong-types': { 'wapp.toml': '[package]\nid = "org.example.types"\nname = 5\nversion = "1.0.0"\ncapabilities = "net:fetch:*"\n\n[runtime]\nmodule = 1\n' },
  'module-dotdot': { 'wapp.toml': manifest({ module: '../app.wasm' }) },
  'module-absolute': { 'wapp.toml': manifest({ module: '/usr/lib/weft/app.wasm' }) },
  'module-symlink-out': { 'wapp.toml': manifest(), 'app.wasm': { symlink: '../../fixtures/hello.wasm' } },
  'module-missing': { 'wapp.toml': manifest({ module: 'build/app.wasm' }) },
  'module-is-dir': { 'wapp.toml': manifest({ module: 'bin' }), 'bin/README': 'not a module\n' },
  'not-wasm': { 'wapp.toml': manifest(), 'app.wasm': '#!/bin/sh\necho hello\n' },
  'wrong-magic': { 'wapp.toml': manifest(), 'app.wasm': { bytes: Buffer.from('0061736e0100000000', 'hex') } },
  'wrong-version': { 'wapp.toml': manifest(), 'app.wasm': { bytes: Buffer.from('0061736d02000000', 'hex') } },
  'empty-module': { 'wapp.toml': manifest(), 'app.wasm': '' },
  'core-no-start': { 'wapp.toml': manifest(), 'app.wasm': { wat: CORE_NO_START } },
  'core-no-memory': { 'wapp.toml': manifest(), 'app.wasm': { wat: CORE_NO_MEMORY } },
  'core-imports-env': { 'wapp.toml': manifest(), 'app.wasm': { wat: CORE_IMPORTS_ENV } },
  'core-unknown-preview1': { 'wapp.toml': manifest(), 'app.wasm': { wat: CORE_UNKNOWN_PREVIEW1 } },
  'component-fetch-no-cap': {
    'wapp.toml': manifest({ capabilities: [] }),
    'app.wasm': { wat: component(['weft:app/notify@0.1.0', 'weft:app/fetch@0.1.0', 'wasi:cli/environment@0.2.3']) },
  },
  'component-gated-no-cap': {
    'wapp.toml': manifest({ capabilities: ['fs:read:app-data'] }),
    'app.wasm': { wat: component(['weft:app/notifications@0.1.0', 'weft:app/clipboard@0.1.0', 'wasi:http/outgoing-handler@0.2.0', 'wasi:filesystem/types@0.2.0']) },
  },
  'component-no-run': { 'wapp.toml': manifest(), 'app.wasm': { wat: component(['weft:app/notify@0.1.0'], null) } },
  'component-run-0.3': { 'wapp.toml': manifest(), 'app.wasm': { wat: component(['weft:app/notify@0.1.0'], '0.3.0') } },
  'component-bad-imports': {
    'wapp.toml': manifest(),
    'app.wasm': { wat: component(['acme:db/query@1.0.0', 'wasi:cli/environment', 'wasi:io/poll@0.3.0', 'weft:app/ipc@0.2.0', 'weft:app/telemetry@0.1.0', 'weft:app/notify@0.1.0']) },
  },
  'component-truncated': { 'wapp.toml': manifest(), 'app.wasm': { bytes: Buffer.from('0061736d0d0001000a6400', 'hex') } },
  'ui-missing': { 'wapp.toml': manifest({ ui: 'ui/index.html' }), 'app.wasm': { wat: CORE_HELLO } },
  'ui-symlink-out': { 'wapp.toml': manifest({ ui: 'ui/index.html' }), 'app.wasm': { wat: CORE_HELLO }, 'ui/index.html': { symlink: '../../../fixtures/page.html' } },
  'package-symlinks-out': {
    'wapp.toml': manifest(),
    'app.wasm': { wat: CORE_HELLO },
    'docs/hostname': { symlink: '/etc/hostname' },
    'assets/up': { symlink: '../../../fixtures' },
  },
  'reserved-data': { 'wapp.toml': manifest(), 'app.wasm': { wat: CORE_HELLO }, 'data/notes.txt': 'user data does not ship in packages\n' },
  'missing-manifest': { 'app.wasm': { wat: CORE_HELLO } },
  'strict-warnings': {
    args: '--strict\n',
    'wapp.toml': manifest({ capabilities: ['fs:rw:app-data', 'sys:notifications', 'hw:gpu:render', 'net:fetch:*'] }),
    'app.wasm': { wat: CORE_HELLO },
  },
  'unknown-keys-and-error': {
    'wapp.toml': manifest({ version: 'v1', extra: 'homepage = "https://example.com"\n\n[extras]\ncolour = "blue"\n' }),
    'app.wasm': { wat: CORE_HELLO },
  },
  'many-problems': {
    'wapp.toml': manifest({ id: 'Example', name: '', version: 'latest', capabilities: ['net:fetch:*', 'camera'], module: 'out/app.wasm', ui: 'ui/missing.html' }),
  },
};

const valid = {
  'core-hello': { 'wapp.toml': manifest({ id: 'org.example.golden.hello', name: 'Golden Hello', ui: 'ui/index.html' }), 'app.wasm': { wat: CORE_HELLO }, 'ui/index.html': PAGE },
  'core-files': {
    'wapp.toml': manifest({ id: 'org.example.golden.files', name: 'Golden Files', capabilities: ['fs:rw:app-data'] }),
    'app.wasm': { wat: CORE_FILES },
  },
  'component-weft': {
    'wapp.toml': manifest({ id: 'org.example.golden.weft', name: 'Golden Component', capabilities: ['net:fetch:api.example.com', 'fs:read:app-data'], ui: 'ui/index.html' }).replace(
      'capabilities',
      'description = "A component using weft:app"\nauthor = "weft tests"\ncapabilities',
    ),
    'app.wasm': { wat: component(['weft:app/notify@0.1.0', 'weft:app/ipc@0.1.0', 'weft:app/fetch@0.1.0', 'wasi:cli/environment@0.2.3', 'wasi:filesystem/types@0.2.0']) },
    'ui/index.html': PAGE,
  },
  'component-warnings': {
    'wapp.toml': manifest({ id: 'org.example.golden.warnings', name: 'Golden Warnings', capabilities: ['sys:notifications', 'sys:clipboard:read'] }),
    'app.wasm': { wat: component(['weft:app/notify@0.1.0']) },
  },
  'internal-symlink': {
    'wapp.toml': manifest({ id: 'org.example.golden.links', name: 'Golden Links', ui: 'ui/home.html' }),
    'app.wasm': { wat: CORE_HELLO },
    'ui/index.html': PAGE,
    'ui/home.html': { symlink: 'index.html' },
  },
};

const shared = {
  'hello.wasm': { wat: CORE_HELLO },
  'component.wasm': { wat: component(['weft:app/notify@0.1.0', 'weft:app/ipc@0.1.0']) },
  'page.html': PAGE,
};

// --- writing -------------------------------------------------------------------------------

const KEEP = new Set(['expected.err', 'expected-info.json', 'expected.out']);

async function clear(dir) {
  if (!existsSync(dir)) return;
  for (const name of await readdir(dir)) {
    if (!KEEP.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

async function write(dir, files) {
  await mkdir(dir, { recursive: true });
  for (const [relative, value] of Object.entries(files)) {
    const path = join(dir, relative);
    await mkdir(dirname(path), { recursive: true });
    if (typeof value === 'string') await writeFile(path, value);
    else if ('wat' in value) await writeFile(path, await parse(value.wat));
    else if ('bytes' in value) await writeFile(path, value.bytes);
    else if ('symlink' in value) {
      if (await lstat(path).catch(() => null)) await rm(path);
      await symlink(value.symlink, path);
    }
  }
}

await clear(join(here, 'fixtures'));
await write(join(here, 'fixtures'), shared);
for (const [group, cases] of [['invalid', invalid], ['valid', valid]]) {
  const known = new Set(Object.keys(cases));
  const groupDir = join(here, group);
  for (const stale of existsSync(groupDir) ? await readdir(groupDir) : []) {
    if (!known.has(stale)) await rm(join(groupDir, stale), { recursive: true, force: true });
  }
  for (const [name, files] of Object.entries(cases)) {
    // A valid case keeps its package in package/, so expected-info.json is not part of the package it describes.
    const packageDir = group === 'valid' ? join(groupDir, name, 'package') : join(groupDir, name);
    await clear(packageDir);
    await write(packageDir, files);
  }
}
console.log(`wrote ${Object.keys(invalid).length} invalid and ${Object.keys(valid).length} valid golden packages under ${here}`);
