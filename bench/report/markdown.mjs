// Renders a results object as markdown: the figures table, the scale table and run facts.

const fmt = (x, unit) => {
  if (x === null || x === undefined) return '–';
  const digits = unit === 'msg/s' ? 0 : Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};
const p = (s, unit) => (s ? `${fmt(s.median, unit)}${s.p95 !== null && s.n > 1 ? ` (p95 ${fmt(s.p95, unit)})` : ''}` : '–');
const targetText = (f) => (f.target ? (f.target.maxAbs !== undefined ? `≤ ${f.target.maxAbs} ${f.unit}` : f.target.max !== undefined ? `≤ ${f.target.max} × ${f.target.of}` : `≥ ${f.target.min} × ${f.target.of}`) : '');
const metText = (f) => (f.met === null ? '' : f.met ? '**met**' : '**not met**');

export function figuresTable(figures) {
  const lines = [
    '| figure | unit | weft median (p95) | baseline | baseline median (p95) | weft ÷ baseline | target | |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const [first, ...rest] = f.baselines;
    lines.push(
      `| ${f.label}${f.note && first ? ` — ${f.note}` : ''} | ${f.unit} | ${p(f.weft, f.unit)} | ${first ? `${first.id}: ${first.label}` : f.note ?? ''} | ${first ? p(first.summary, f.unit) : ''} | ${first?.ratio ?? ''} | ${targetText(f)} | ${metText(f)} |`,
    );
    for (const b of rest) lines.push(`| | | | ${b.id}: ${b.label} | ${p(b.summary, f.unit)} | ${b.ratio ?? ''} | | |`);
  }
  return lines.join('\n');
}

function scaleRows(title, rows) {
  const lines = [
    `**${title}**`,
    '',
    '| K | all READY ms (p95) | first READY ms | appd CPU ms | appd CPU ms / session | appd RSS MB (peak) | sessions’ RSS MB, sum | sessions’ PSS MB, sum | idle sessions’ CPU % |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.k} | ${p(r.all_ready_ms)} | ${fmt(r.first_ready_ms.median)} | ${fmt(r.appd_cpu_ms.median)} | ${fmt(r.appd_cpu_ms.median / r.k)} | ${fmt(r.appd_rss_mb.median)} (${fmt(r.appd_hwm_mb.median)}) | ${fmt(r.sessions_rss_mb.median)} | ${fmt(r.sessions_pss_mb?.median)} | ${fmt(r.sessions_idle_cpu_pct?.median)} |`,
    );
  }
  return lines.join('\n');
}

export function scaleTable(raw) {
  if (!raw?.rows?.length) return '';
  const out = [`weft-appd idle RSS: ${raw.appd_idle_rss_mb} MB.`, '', scaleRows('counter (polls its IPC inbox every 1 ms, every 20 ms after ~0.1 s without messages)', raw.rows)];
  if (raw.hang_rows?.length) out.push('', scaleRows('hang (preview1; sleeps 100 ms at a time)', raw.hang_rows));
  return out.join('\n');
}

export function renderMarkdown(results) {
  const m = results.meta;
  const out = [
    `# weft benchmark results${m.quick ? ' (quick run)' : ''}`,
    '',
    `${m.date} · ${m.cpu_model} × ${m.cpus} · ${m.mem_gb} GB · Linux ${m.kernel} · Node ${m.node} · commit ${m.commit} · ${m.duration_s} s`,
    '',
  ];
  const all = Object.entries(results.suites).flatMap(([, s]) => s.figures ?? []);
  if (all.length) out.push(figuresTable(all), '');
  if (results.suites.scale?.raw) out.push('## Scale', '', scaleTable(results.suites.scale.raw), '', `![scale](${results.meta.quick ? 'scale-quick.svg' : 'scale.svg'})`, '');
  if (m.dist_rebuilt_during_run) out.push('**dist/ was rebuilt while this ran: some sessions may have run a half-written build.**', '');
  const skewed = Object.entries(results.suites).filter(([, s]) => (s.interference?.foreign_cpu_pct ?? 0) >= 10);
  out.push(
    `Other processes' share of the CPUs during each suite: ${Object.entries(results.suites)
      .map(([name, s]) => `${name} ${s.interference?.foreign_cpu_pct ?? '?'}%`)
      .join(', ')}${skewed.length ? ` — **${skewed.map(([n]) => n).join(', ')} ran on a busy machine; treat those figures as skewed**` : ''}.`,
    '',
  );
  const errors = Object.entries(results.suites).filter(([, s]) => s.error);
  if (errors.length) {
    out.push('## Failed suites', '');
    for (const [name, s] of errors) out.push(`- **${name}**: ${s.error.split('\n')[0]}`);
    out.push('');
  }
  out.push(`Teardown: ${results.teardown.leftovers.length === 0 ? 'no process left behind' : `LEFT BEHIND: ${JSON.stringify(results.teardown.leftovers)}`}.`, '');
  return out.join('\n');
}
