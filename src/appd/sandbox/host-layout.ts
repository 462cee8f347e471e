// The host paths every confined runtime needs (system libraries, node, weft's own code), read once when appd starts.
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../config/paths.js';

export interface HostLayout {
  /** Top-level system paths: bound read-only, or recreated as the symlinks they are (merged /usr). */
  system: readonly ({ kind: 'dir'; path: string } | { kind: 'symlink'; path: string; target: string })[];
  /** Read-only files and directories node and weft need: /etc pieces, node, weft's code and dependencies. */
  readOnly: readonly string[];
  /** Symlinks recreated inside after the read-only binds (weft's `node_modules` when it is a link). */
  links: readonly { path: string; target: string }[];
  /** Environment variables passed into the sandbox (everything else is cleared). */
  env: readonly [string, string][];
}

const SYSTEM_TOP = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** /etc pieces: the dynamic loader's cache, time zones, name resolution and CA certificates (public data). */
const ETC = ['/etc/ld.so.cache', '/etc/localtime', '/etc/ssl', '/etc/ca-certificates', '/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf', '/etc/host.conf'];
/** Variables the runtime reads (store, data and cache roots, its own settings) and the locale. */
const PASSED_ENV = /^(WEFT_|XDG_|JCO_DEBUG$|HOME$|LANG$|LC_|TZ$|NODE_EXTRA_CA_CERTS$)/;

/** weft's package root: dist/appd/sandbox/host-layout.js → the directory holding package.json. */
export function weftRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/**
 * What of weft's package root the runtime needs: its compiled code, the vendored preview1
 * adapter, and package.json (Node reads `"type": "module"` from it). Not the rest of a checkout:
 * sources, tests, `.git`, or a signing key kept beside them.
 */
export const WEFT_ROOT_PARTS = ['dist', 'vendor', 'package.json'] as const;

function realOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/** Reads the layout from this host; `extra` adds the runtime command's own files (WEFT_RUNTIME_BIN). */
export function readHostLayout(env: Env, extra: readonly string[]): HostLayout {
  const system: HostLayout['system'][number][] = [];
  for (const path of SYSTEM_TOP) {
    let info;
    try {
      info = lstatSync(path);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) system.push({ kind: 'symlink', path, target: readlinkSync(path) });
    else if (info.isDirectory()) system.push({ kind: 'dir', path });
  }
  const root = weftRoot();
  const readOnly = new Set<string>();
  for (const path of ETC) if (existsSync(path)) readOnly.add(path);
  // node itself, wherever it is installed (nvm, /usr/local, /usr).
  const node = realOrNull(process.execPath);
  if (node) readOnly.add(dirname(dirname(node)));
  for (const part of WEFT_ROOT_PARTS) if (existsSync(join(root, part))) readOnly.add(join(root, part));
  // node_modules may be a symlink (a git worktree sharing its dependencies): bind where it really
  // is, and recreate the link, which Node finds walking up from dist/ and then follows.
  const links: { path: string; target: string }[] = [];
  const modulesPath = join(root, 'node_modules');
  const modules = realOrNull(modulesPath);
  if (modules) {
    readOnly.add(modules);
    if (modules !== modulesPath) links.push({ path: modulesPath, target: modules });
  }
  for (const path of extra) {
    const real = realOrNull(path);
    if (real) readOnly.add(real);
  }
  const passed = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && PASSED_ENV.test(entry[0]));
  const certs = env.NODE_EXTRA_CA_CERTS;
  if (certs) {
    const real = realOrNull(certs);
    if (real) readOnly.add(real);
  }
  // Paths under a bound system directory (/usr/local/bin/node under /usr) are visible already.
  const bound = system.filter((entry) => entry.kind === 'dir').map((entry) => entry.path);
  const own = [...readOnly].filter((p) => !bound.some((top) => p === top || p.startsWith(`${top}/`)));
  return { system, readOnly: own, links, env: [['PATH', '/usr/local/bin:/usr/bin:/bin'], ...passed] };
}
