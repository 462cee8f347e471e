// Draws the scale curves (all-READY time, weft-appd CPU and RSS, the sessions' summed PSS against K) as a hand-written SVG.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * e).find((m) => m >= v);
}

function panel(x0, title, unit, series) {
  const w = 250;
  const h = 180;
  const left = x0 + 62;
  const top = 40;
  const all = series.flatMap((s) => s.points);
  const maxK = Math.max(...all.map((p) => p.k));
  const maxY = niceMax(Math.max(...all.map((p) => p.y)));
  const px = (k) => left + (k / maxK) * w;
  const py = (y) => top + h - (y / maxY) * h;
  const parts = [`<text x="${left + w / 2}" y="22" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${+y.toPrecision(3)}</text>`);
  }
  for (const k of new Set(all.map((p) => p.k))) parts.push(`<text x="${px(k)}" y="${top + h + 16}" text-anchor="middle" font-size="11">${k}</text>`);
  parts.push(`<text x="${left + w / 2}" y="${top + h + 32}" text-anchor="middle" font-size="11">K (sessions launched together)</text>`);
  parts.push(`<text x="${x0 + 12}" y="${top + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 12} ${top + h / 2})">${esc(unit)}</text>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + h}" stroke="#333"/><line x1="${left}" x2="${left + w}" y1="${top + h}" y2="${top + h}" stroke="#333"/>`);
  series.forEach(({ points, color }, si) => {
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${px(p.k).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) {
      parts.push(`<circle cx="${px(p.k).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${color}"/>`);
      parts.push(`<text x="${px(p.k).toFixed(1)}" y="${(py(p.y) + (si === 0 ? -8 : 15)).toFixed(1)}" text-anchor="middle" font-size="10" fill="${color}">${Math.round(p.y)}</text>`);
    }
  });
  return parts.join('\n');
}

/** SVG text for the scale suite's rows (counter, and hang when present), or null when there are none. */
export function scaleSvg(raw, subtitle = '') {
  const rows = raw?.rows ?? [];
  if (!rows.length) return null;
  const hang = raw.hang_rows ?? [];
  const pts = (rs, f) => rs.filter((r) => r[f]).map((r) => ({ k: r.k, y: r[f].median }));
  const both = (f) => [
    { points: pts(rows, f), color: '#1f77b4' },
    ...(hang.length ? [{ points: pts(hang, f), color: '#ff7f0e' }] : []),
  ];
  const width = 4 * 340;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="300" viewBox="0 0 ${width} 300" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'time until all K are READY', 'ms', both('all_ready_ms'))}
${panel(340, 'weft-appd CPU during the launch', 'ms (utime+stime)', both('appd_cpu_ms'))}
${panel(680, 'weft-appd RSS after all READY', 'MB', both('appd_rss_mb'))}
${panel(1020, 'sessions’ PSS, sum', 'MB', both('sessions_pss_mb'))}
<rect x="20" y="272" width="12" height="4" fill="#1f77b4"/><text x="38" y="278" font-size="11">counter (polls its inbox: 1 ms, 20 ms once idle)</text>
${hang.length ? '<rect x="300" y="272" width="12" height="4" fill="#ff7f0e"/><text x="318" y="278" font-size="11">hang (sleeps 100 ms)</text>' : ''}
<text x="${width - 10}" y="292" text-anchor="end" font-size="10" fill="#666">${esc(subtitle)}</text>
</svg>
`;
}
