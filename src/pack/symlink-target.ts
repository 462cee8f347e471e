// Where a symlink inside a package leads, resolved as the kernel would (link by link), including links whose target does not exist yet.
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** inside / outside the package, and whether the walk ended at something missing (dangling). */
export type LinkEnd = { leads: 'inside' | 'outside'; dangling: boolean } | { leads: 'loop' };

/** Linux gives up after 40 links in one resolution; so does this. */
const MAX_HOPS = 40;

/**
 * Follows the symlink at `linkRelative` inside `rootReal` segment by segment, the way the kernel
 * does (a `..` after a link climbs from where the link led, not lexically). When a segment does
 * not exist, the rest is walked lexically from there: what matters is where the link would lead
 * once that name exists, so a dangling link that would climb out counts as outside.
 */
export async function whereLinkLeads(rootReal: string, linkRelative: string): Promise<LinkEnd> {
  const linkPath = join(rootReal, linkRelative);
  let current = await realpath(dirname(linkPath));
  let pending = (await readlink(linkPath)).split('/');
  if (pending[0] === '') return { leads: 'outside', dangling: false };
  let hops = 1;
  let dangling = false;
  while (pending.length > 0) {
    const segment = pending.shift() as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (current === rootReal) return { leads: 'outside', dangling };
      current = dirname(current);
      continue;
    }
    const candidate = join(current, segment);
    if (dangling) {
      current = candidate;
      continue;
    }
    const stats = await lstat(candidate).catch(() => null);
    if (stats === null) {
      dangling = true;
      current = candidate;
    } else if (stats.isSymbolicLink()) {
      if (++hops > MAX_HOPS) return { leads: 'loop' };
      const target = await readlink(candidate);
      if (target.startsWith('/')) return { leads: 'outside', dangling };
      pending = [...target.split('/'), ...pending];
    } else {
      current = candidate;
    }
  }
  return { leads: current === rootReal || current.startsWith(`${rootReal}/`) ? 'inside' : 'outside', dangling };
}
