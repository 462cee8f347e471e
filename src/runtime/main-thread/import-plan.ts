// Decides, before anything runs, who provides each import of the component: the WASI shim, a granted factor, or nobody (refused).
import type { Grant } from '../../manifest/capabilities.js';
import { CAPABILITY_HINTS, GRANT_KIND, judgeInterface, type CapabilityUse, type ImportSource } from '../../protocol/interfaces.js';
import { readComponentLayout } from '../../wasm/component-reader.js';
import { FACTORS } from '../factors/index.js';
import type { SessionFacts } from '../factors/factor.js';
import { parseImportName, type ImportName } from '../both-threads/import-name.js';
import { LoadError } from './load-error.js';

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

/**
 * Maps every import key to its provider by the shared interface table (src/protocol/interfaces.ts),
 * the same judgement `weft-pack check` makes; throws one LoadError listing each import nobody may
 * provide.
 */
export function planImports(keys: readonly string[], grants: readonly Grant[], session: SessionFacts, from: ImportSource = 'component'): ImportPlan {
  const plan: ImportPlan = { wasi: [], factored: [], factorConfigs: {}, importsNotify: false };
  const problems: string[] = [];
  for (const factor of FACTORS) {
    const config = factor.grant(grants, session);
    if (config !== null) plan.factorConfigs[factor.name] = config;
  }
  for (const key of keys) {
    const name = parseImportName(key);
    const verdict = judgeInterface(key, from);
    if (!verdict.ok) {
      problems.push(verdict.message);
      continue;
    }
    const { entry } = verdict;
    if (entry.needs !== null && !grants.some((g) => g.kind === GRANT_KIND[entry.needs as CapabilityUse])) {
      problems.push(`${key}: not granted; the manifest needs ${CAPABILITY_HINTS[entry.needs].capabilities.map((c) => `"${c}"`).join(' or ')} in [package] capabilities`);
    } else if (entry.provider === 'wasi') {
      plan.wasi.push(name);
    } else if (!(entry.provider in plan.factorConfigs)) {
      problems.push(`${key}: ${entry.provider} is not available to this session`);
    } else {
      plan.factored.push({ ...name, factor: entry.provider });
      if (entry.provider === 'notify') plan.importsNotify = true;
    }
  }
  if (problems.length > 0) {
    throw new LoadError(`the app imports what weft will not provide: ${problems.join('; ')}`);
  }
  return plan;
}

/**
 * Judges a component's own import names (with their versions, which component.js's keys no longer
 * carry) by the table `weft-pack check` uses; throws one LoadError naming each refused import.
 * Reads only the component's import section (no validation), so it costs well under a millisecond.
 */
export function judgeComponentVersions(component: Uint8Array): void {
  let imports;
  try {
    imports = readComponentLayout(component).imports;
  } catch (cause) {
    throw new LoadError(`cannot read the component's imports: ${(cause as Error).message}`);
  }
  const problems = imports.flatMap((item) => {
    const verdict = judgeInterface(item.name, 'component');
    return verdict.ok ? [] : [verdict.message];
  });
  if (problems.length > 0) throw new LoadError(`the app imports what weft will not provide: ${problems.join('; ')}`);
}

/**
 * Whether a session needs the shim's I/O side: an app that imports wasi:sockets or wasi:http, or
 * wasi:filesystem with at least one preopen. Without preopens an app can reach no file at all,
 * so weft's empty filesystem serves it exactly as the shim's would.
 */
export function needsShimIo(ifaces: Iterable<string>, preopenCount: number): boolean {
  for (const iface of ifaces) {
    if (iface.startsWith('wasi:sockets/') || iface.startsWith('wasi:http/')) return true;
    if (iface.startsWith('wasi:filesystem/') && preopenCount > 0) return true;
  }
  return false;
}
