// Hostile package directories for weft-pack: each builds itself under a dir and names the error it must be refused with.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { APPS_DIR } from '../helpers/sandbox.js';
import { componentWat, coreModuleWat, watToWasm } from '../helpers/wat.js';

export interface CorpusEnv {
  /** A directory outside every package, holding a valid app.wasm, an index.html and a secret: what escapes would reach. */
  victim: string;
}

export interface PackageCase {
  name: string;
  /** The PackError code and a pattern the message (with its problems) must match. */
  code: string;
  message: RegExp;
  build(dir: string, env: CorpusEnv): Promise<void> | void;
}

export const HELLO_WASM = join(APPS_DIR, 'hello', 'app.wasm');

export function manifest(id: string, fields: { module?: string; entry?: string; capabilities?: string[]; extra?: string; tables?: string } = {}): string {
  const caps = (fields.capabilities ?? []).map((c) => JSON.stringify(c)).join(', ');
  return `[package]
id = "${id}"
name = "Hostile"
version = "1.0.0"
capabilities = [${caps}]
${fields.extra ?? ''}
[runtime]
module = ${JSON.stringify(fields.module ?? 'app.wasm')}

[ui]
entry = ${JSON.stringify(fields.entry ?? 'ui/index.html')}
${fields.tables ?? ''}`;
}

/** A valid package (hello's module) that the case then spoils. */
export function basePackage(dir: string, id: string, fields: Parameters<typeof manifest>[1] = {}, wasm: Uint8Array | null = null): void {
  mkdirSync(join(dir, 'ui'), { recursive: true });
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>hostile</title>\n');
  writeFileSync(join(dir, 'wapp.toml'), manifest(id, fields));
  if (wasm) writeFileSync(join(dir, 'app.wasm'), wasm);
  else copyFileSync(HELLO_WASM, join(dir, 'app.wasm'));
}

const idOf = (name: string) => `org.weft.hostile.${name.replace(/[^a-z0-9]/g, '')}`;

function pkg(name: string, code: string, message: RegExp, build: (dir: string, id: string, env: CorpusEnv) => Promise<void> | void): PackageCase {
  return { name, code, message, build: (dir, env) => build(dir, idOf(name), env) };
}

const INVALID = 'INVALID_PACKAGE';
const CLIPBOARD = '(import "weft:app/clipboard@0.1.0" (instance (export "read" (func (result (result string (error string)))))))';
const NOTIFY = '(import "weft:app/notifications@0.1.0" (instance (export "notify" (func (param "title" string) (param "body" string) (param "icon" (option string)) (result (result (error string)))))))';

export const PACKAGE_CASES: PackageCase[] = [
  pkg('module dotdot', INVALID, /runtime\.module.*"\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" uses "\.\."/, (dir, id) => basePackage(dir, id, { module: '../../../../etc/passwd' })),
  pkg('module absolute', INVALID, /runtime\.module.*"\/etc\/passwd" is absolute/, (dir, id) => basePackage(dir, id, { module: '/etc/passwd' })),
  pkg('ui dotdot', INVALID, /ui\.entry.*uses "\.\."/, (dir, id) => basePackage(dir, id, { entry: '../victim/index.html' })),
  pkg('module symlink absolute', INVALID, /"app\.wasm" is a symlink to ".*victim\/real\.wasm", which leads outside the package/, (dir, id, env) => {
    basePackage(dir, id);
    execFileSync('rm', [join(dir, 'app.wasm')]);
    symlinkSync(join(env.victim, 'real.wasm'), join(dir, 'app.wasm'));
  }),
  pkg('module symlink relative out', INVALID, /"app\.wasm" is a symlink to "(\.\.\/)+victim\/real\.wasm", which leads outside the package/, (dir, id, env) => {
    basePackage(dir, id);
    execFileSync('rm', [join(dir, 'app.wasm')]);
    const depth = dir.split('/').length - env.victim.split('/').length + 1;
    symlinkSync(`${'../'.repeat(depth)}victim/real.wasm`, join(dir, 'app.wasm'));
  }),
  pkg('ui dir symlink out', INVALID, /"ui\/index\.html" goes through a symlinked directory that leads outside the package/, (dir, id, env) => {
    basePackage(dir, id);
    execFileSync('rm', ['-r', join(dir, 'ui')]);
    symlinkSync(env.victim, join(dir, 'ui'));
  }),
  pkg('extra symlink out', INVALID, /notes\/link.*is a symlink to "(\.\.\/)+victim\/secret\.txt", which leads outside the package/, (dir, id, env) => {
    basePackage(dir, id);
    mkdirSync(join(dir, 'notes'));
    const depth = dir.split('/').length - env.victim.split('/').length + 2;
    symlinkSync(`${'../'.repeat(depth)}victim/secret.txt`, join(dir, 'notes', 'link'));
  }),
  pkg('extra symlink absolute', INVALID, /etc-link.*is a symlink to the absolute path "\/etc"/, (dir, id) => {
    basePackage(dir, id);
    symlinkSync('/etc', join(dir, 'etc-link'));
  }),
  pkg('huge manifest', INVALID, /wapp\.toml.*is 1048\d{3} bytes; the limit is 65536/, (dir, id) => {
    basePackage(dir, id);
    writeFileSync(join(dir, 'wapp.toml'), manifest(id, { extra: `description = "${'A'.repeat(1 << 20)}"` }));
  }),
  pkg('deeply nested toml', INVALID, /wapp\.toml:\d+:\d+: TOML syntax error: document contains excessively nested structures/, (dir, id) => {
    basePackage(dir, id);
    const depth = 20_000;
    writeFileSync(join(dir, 'wapp.toml'), `${manifest(id)}\n[extra]\nx = ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
  }),
  pkg('not wasm', INVALID, /app\.wasm.*is not a WebAssembly binary/, (dir, id) => basePackage(dir, id, {}, Buffer.from('#!/bin/sh\nrm -rf ~\n'))),
  pkg('truncated wasm', INVALID, /app\.wasm.*is not valid WebAssembly/, (dir, id) => {
    const bytes = readFileSync(HELLO_WASM);
    basePackage(dir, id, {}, bytes.subarray(0, bytes.length >> 1));
  }),
  pkg('component magic then junk', INVALID, /app\.wasm.*is not a well-formed component/, (dir, id) => basePackage(dir, id, {}, Buffer.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff]))),
  pkg('wrong wasm version', INVALID, /app\.wasm.*version\/layer bytes 02 00 00 00/, (dir, id) => basePackage(dir, id, {}, Buffer.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))),
  pkg('core imports env', INVALID, /imports 1 item from "env" \(system\); a core module may import only from wasi_snapshot_preview1/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(coreModuleWat('(import "env" "system" (func (param i32) (result i32)))'))),
  ),
  pkg('core imports unknown preview1 function', INVALID, /"wasi_snapshot_preview1"\."sock_open", which WASI preview1 does not define/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(coreModuleWat('(import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32) (result i32)))'))),
  ),
  pkg('core without _start', INVALID, /without a "_start" function export/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm('(module (memory (export "memory") 1) (func (export "main")))')),
  ),
  pkg('component imports a foreign host', INVALID, /imports instance "evil:host\/exec@1\.0\.0": weft does not provide evil:host\/exec/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(componentWat('(import "evil:host/exec@1.0.0" (instance))'))),
  ),
  pkg('component imports wasi 0.3', INVALID, /weft provides wasi:filesystem\/types@0\.2\.x, not version 0\.3\.0/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(componentWat('(import "wasi:filesystem/types@0.3.0" (instance))'))),
  ),
  pkg('weft fetch without capability', INVALID, /imports weft:app\/fetch@0\.1\.0, which needs a net:fetch capability, but package\.capabilities does not grant one/, (dir, id) =>
    basePackage(dir, id, {}, readFileSync(join(APPS_DIR, 'fetcher', 'app.wasm'))),
  ),
  pkg('weft clipboard without capability', INVALID, /imports weft:app\/clipboard@0\.1\.0, which needs a sys:clipboard capability/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(componentWat(CLIPBOARD))),
  ),
  pkg('weft notifications without capability', INVALID, /imports weft:app\/notifications@0\.1\.0, which needs the sys:notifications capability/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(componentWat(NOTIFY))),
  ),
  pkg('weft unknown interface', INVALID, /weft does not provide weft:app\/exec/, async (dir, id) =>
    basePackage(dir, id, {}, await watToWasm(componentWat('(import "weft:app/exec@0.1.0" (instance))'))),
  ),
  pkg('unknown capability', INVALID, /unknown capability "fs:rw:\/"/, (dir, id) => basePackage(dir, id, { capabilities: ['fs:rw:/'] })),
  pkg('bad app id', INVALID, /package\.id.*"\.\.\/\.\.\/evil"/, (dir) => basePackage(dir, '../../evil')),
  pkg('fifo in package', INVALID, /pipe.*is a named pipe \(FIFO\); a package may hold only files, directories and symlinks/, (dir, id) => {
    basePackage(dir, id);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
  }),
  pkg('manifest is a fifo', INVALID, /wapp\.toml.*"wapp\.toml" is a named pipe \(FIFO\), not a regular file/, (dir, id) => {
    basePackage(dir, id);
    execFileSync('rm', [join(dir, 'wapp.toml')]);
    execFileSync('mkfifo', [join(dir, 'wapp.toml')]);
  }),
  pkg('manifest is /dev/zero', INVALID, /"wapp\.toml" is a symlink to "\/dev\/zero", which leads outside the package/, (dir, id) => {
    basePackage(dir, id);
    execFileSync('rm', [join(dir, 'wapp.toml')]);
    symlinkSync('/dev/zero', join(dir, 'wapp.toml'));
  }),
  pkg('module is a directory', INVALID, /"app\.wasm" is a directory, not a file/, (dir, id) => {
    basePackage(dir, id);
    execFileSync('rm', [join(dir, 'app.wasm')]);
    mkdirSync(join(dir, 'app.wasm'));
  }),
  pkg('module over 64 MiB', INVALID, /"app\.wasm" is 68157440 bytes; the limit is 67108864/, (dir, id) => {
    basePackage(dir, id);
    const fd = openSync(join(dir, 'app.wasm'), 'r+');
    ftruncateSync(fd, 65 * 1024 * 1024);
    closeSync(fd);
  }),
  pkg('too many entries', INVALID, /has more than 10000 files, directories and symlinks; the limit is 10000/, (dir, id) => {
    basePackage(dir, id);
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < 10_001; i++) writeFileSync(join(dir, 'many', String(i)), '');
  }),
];
