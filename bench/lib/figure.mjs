// Builds the uniform "figure" records that the JSON and the markdown table are made of.
import { ratio } from './stats.mjs';

/**
 * A measured figure compared with baselines from the same run.
 * weft: summary; baselines: [{ id, label, summary }]; the first baseline is the one the target refers to.
 * target: { max: number, of: 'A' } means weft.median <= max × baseline(of).median;
 * { maxAbs: number } means weft.median <= maxAbs in the figure's unit (for a target stated as an amount, e.g. "all READY within 3 s").
 */
export function figure({ id, label, unit, weft, baselines = [], target = null, note = null, lowerIsBetter = true }) {
  const compare = baselines.map((b) => ({ ...b, ratio: ratio(weft.median, b.summary.median) }));
  let met = null;
  if (target?.maxAbs !== undefined) met = weft.median <= target.maxAbs;
  else if (target) {
    const ref = compare.find((b) => b.id === target.of) ?? compare[0];
    const r = ref?.ratio ?? null;
    met = r === null ? null : lowerIsBetter ? r <= target.max : r >= target.min;
  }
  return { id, label, unit, weft, baselines: compare, target, met, note };
}
