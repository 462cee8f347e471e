// Decides, before anything runs, who provides each import of the component: the WASI shim, a granted factor, or nobody (refused).
import type { Grant } from '../manifest/capabilities.js';
import { factorForInterface, FACTORS, versionCompatible } from './factors/index.js';
import type { SessionFacts } from './factors/factor.js';
import { LoadError } from './load-error.js';

/** WASI 0.2 interfaces weft provides, sandboxed: io, clocks and stdio its own (src/runtime/wasi/), random, filesystem, sockets and http from preview2-shim. */
export const WASI_INTERFACES: ReadonlySet<string> = new Set([
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:filesystem/preopens',
  'wasi:filesystem/types',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:sockets/instance-network',
  'wasi:sockets/ip-name-lookup',
  'wasi:sockets/network',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:http/types',
  'wasi:http/outgoing-handler',
]);

export interface ImportName {
  /** Exactly as component.js looks it up. */
  key: string;
  /** Without the version: `wasi:cli/environment`. */
  iface: string;
  version: string | null;
}

export function parseImportName(key: string): ImportName {
  const at = key.indexOf('@');
  return at < 0 ? { key, iface: key, version: null } : { key, iface: key.slice(0, at), version: key.slice(at + 1) };
}

export interface ImportPlan {
  /** Import keys served by the WASI shim, with their unversioned interface. */
  wasi: ImportName[];
  /** Import keys served by factors, with the factor's name. */
  factored: (ImportName & { factor: string })[];
  /** Per-session configuration of every granted factor (by name); only these run. */
  factorConfigs: Record<string, unknown>;
  /** READY waits for notify.ready() when the app imports weft:app/notify. */
  importsNotify: boolean;
}

function versionIs(version: string | null, major: number, minor: number): boolean {
  if (version === null) return true;
  const match = /^(\d+)\.(\d+)\.\d+(?:[-+].*)?$/.exec(version);
  return match !== null && Number(match[1]) === major && Number(match[2]) === minor;
}

/**
 * Maps every import key to its provider; throws one LoadError listing each import nobody may
 * provide. Any WASI 0.2.x minor version maps onto the shim (0.2 is additive across minors);
 * weft:app accepts 0.1.x.
 */
export function planImports(keys: readonly string[], grants: readonly Grant[], session: SessionFacts): ImportPlan {
  const plan: ImportPlan = { wasi: [], factored: [], factorConfigs: {}, importsNotify: false };
  const problems: string[] = [];
  for (const factor of FACTORS) {
    const config = factor.grant(grants, session);
    if (config !== null) plan.factorConfigs[factor.name] = config;
  }
  for (const key of keys) {
    const name = parseImportName(key);
    if (name.iface.startsWith('wasi:')) {
      if (!WASI_INTERFACES.has(name.iface)) problems.push(`${key}: weft does not provide this WASI interface`);
      else if (!versionIs(name.version, 0, 2)) problems.push(`${key}: only WASI 0.2.x is supported`);
      else plan.wasi.push(name);
      continue;
    }
    const found = factorForInterface(name.iface);
    const factor = found?.factor;
    if (!found || !factor) {
      problems.push(`${key}: no weft host interface has this name`);
    } else if (!versionCompatible(name.version, found.version)) {
      problems.push(`${key}: weft provides ${name.iface}@${found.version} (any ${found.version.replace(/\.\d+$/, '.x')} import matches)`);
    } else if (!(factor.name in plan.factorConfigs)) {
      problems.push(`${key}: not granted; the manifest needs ${factor.capabilities.map((c) => `"${c}"`).join(' or ')} in [package] capabilities`);
    } else {
      plan.factored.push({ ...name, factor: factor.name });
      if (factor.name === 'notify') plan.importsNotify = true;
    }
  }
  if (problems.length > 0) {
    throw new LoadError(`the app imports what weft will not provide: ${problems.join('; ')}`);
  }
  return plan;
}
