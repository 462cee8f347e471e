// Draws the scale curves (all-READY time, weft-appd CPU and RSS, the sessions' total RSS against K) as a hand-written SVG.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * e).find((m) => m >= v);
}

function panel(x0, title, unit, points, color) {
  const w = 260;
  const h = 180;
  const left = x0 + 50;
  const top = 40;
  const maxK = Math.max(...points.map((p) => p.k));
  const maxY = niceMax(Math.max(...points.map((p) => p.y)));
  const px = (k) => left + (k / maxK) * w;
  const py = (y) => top + h - (y / maxY) * h;
  const parts = [`<text x="${left + w / 2}" y="22" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${+y.toPrecision(3)}</text>`);
  }
  for (const p of points) parts.push(`<text x="${px(p.k)}" y="${top + h + 16}" text-anchor="middle" font-size="11">${p.k}</text>`);
  parts.push(`<text x="${left + w / 2}" y="${top + h + 32}" text-anchor="middle" font-size="11">K (sessions launched together)</text>`);
  parts.push(`<text x="${x0 + 12}" y="${top + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 12} ${top + h / 2})">${esc(unit)}</text>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + h}" stroke="#333"/><line x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}" stroke="#333"/>`);
  parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${px(p.k).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
  for (const p of points) {
    parts.push(`<circle cx="${px(p.k).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    parts.push(`<text x="${px(p.k).toFixed(1)}" y="${(py(p.y) - 8).toFixed(1)}" text-anchor="middle" font-size="10">${Math.round(p.y)}</text>`);
  }
  return parts.join('\n');
}

/** SVG text for the scale suite's rows, or null when there are none. */
export function scaleSvg(raw, subtitle = '') {
  const rows = raw?.rows ?? [];
  if (!rows.length) return null;
  const pts = (f) => rows.map((r) => ({ k: r.k, y: r[f].median }));
  const width = 4 * 340;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="280" viewBox="0 0 ${width} 280" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'time until all READY', 'ms', pts('all_ready_ms'), '#1f77b4')}
${panel(340, 'weft-appd CPU during launch', 'ms (utime+stime)', pts('appd_cpu_ms'), '#d62728')}
${panel(680, 'weft-appd RSS after all READY', 'MB', pts('appd_rss_mb'), '#2ca02c')}
${panel(1020, 'all sessions’ RSS (sum)', 'MB', pts('sessions_rss_mb'), '#9467bd')}
<text x="${width / 2}" y="272" text-anchor="middle" font-size="10" fill="#666">${esc(subtitle)}</text>
</svg>
`;
}
