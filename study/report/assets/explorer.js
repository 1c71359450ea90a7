/* mo-orpo study explorer: renders the JSON document embedded in the page (or polled from
 * `api/data` when served live) with plotly.js.
 *
 * Sections: 1 utilities, 2 model, 3 state, 4 header, 5 Pareto front, 6 selected trial,
 * 7 parallel coordinates, 8 paper views, 9 tables, 10 progress, 11 CSV, 12 live, 13 start.
 *
 * Safety: every string that comes from the study (names, labels, errors, metric names) is put
 * in the DOM with textContent, or escaped with `ptext` before plotly sees it (plotly reads a
 * few HTML-like tags in hover text, legends and titles). Nothing is ever assigned to innerHTML.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------ 1. utilities
  const $ = (id) => document.getElementById(id);
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const label = (v) => (v === null || v === undefined || v === '' ? '(none)' : String(v));
  const ptext = (v) => label(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const ARROW = { min: '\u2193', max: '\u2191' };
  const ROW_LIMIT = 500;
  const WEBGL_ABOVE = 1000;
  const PLOT_CONFIG = { responsive: true, displaylogo: false };
  const STRATEGY_COLORS = {
    baseline: '#6b7280', scalarization: '#1f77b4', conjoined: '#2ca02c',
    conditional: '#d62728', sj_sft: '#9467bd',
  };
  const EXTRA_COLORS = ['#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79'];
  const SCHEDULE_SYMBOLS = { simultaneous: 'circle', epoch_by_epoch: 'square', task_by_task: 'diamond' };
  const EXTRA_SYMBOLS = ['triangle-up', 'cross', 'x', 'triangle-down'];
  const TASK_COLORS = { alignment: '#1f77b4', 'self-judgment': '#ff7f0e', total: '#4b5563' };
  const TRIAL_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
  const TASK_DASH = { alignment: 'solid', 'self-judgment': 'dash', total: 'dot' };

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === 'text') node.textContent = v;
      else if (k === 'className') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }

  function fmt(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v !== 'number') return String(v);
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
    return String(Number(v.toPrecision(5)));
  }

  function fmtTime(ts) {
    return isNum(ts) ? new Date(ts * 1000).toLocaleString() : '';
  }

  function uniqueSorted(values) {
    return Array.from(new Set(values.map(label))).sort();
  }

  // ------------------------------------------------------------------ 2. model
  function buildModel(payload) {
    const cols = payload.trials.columns;
    const rows = payload.trials.rows.map((r) => {
      const o = {};
      cols.forEach((c, i) => { o[c] = r[i]; });
      o.trial_id = String(o.trial_id);
      return o;
    });
    const strategies = uniqueSorted(rows.map((r) => r.strategy));
    const schedules = uniqueSorted(rows.map((r) => r.schedule));
    const colors = {};
    let extra = 0;
    strategies.forEach((s) => { colors[s] = STRATEGY_COLORS[s] || EXTRA_COLORS[extra++ % EXTRA_COLORS.length]; });
    const symbols = {};
    extra = 0;
    schedules.forEach((s) => { symbols[s] = SCHEDULE_SYMBOLS[s] || EXTRA_SYMBOLS[extra++ % EXTRA_SYMBOLS.length]; });
    return {
      payload, cols, rows, strategies, schedules, colors, symbols,
      byId: new Map(rows.map((r) => [r.trial_id, r])),
      objectives: payload.study.objectives,
      axisColumns: payload.axes.flatMap((g) => g.columns),
    };
  }

  // ------------------------------------------------------------------ 3. state
  const defaultState = () => ({
    x: null, y: null, dirs: {}, logX: false, logY: false, frontMode: 'study',
    hideDominated: false, selected: [], brush: {}, sorts: {}, filter: '',
  });
  const state = defaultState();
  let model = null;
  let pcDims = [];
  const config = JSON.parse($('explorer-config').textContent);

  const direction = (col) => state.dirs[col] || model.payload.directions[col] || 'min';

  function chooseDefaultAxes() {
    const objs = model.objectives.map((o) => o.metric);
    const cols = model.axisColumns;
    const xs = objs.concat(cols);
    if (!state.x || !cols.includes(state.x)) state.x = xs[0] || null;
    if (!state.y || !cols.includes(state.y)) state.y = xs.find((c) => c !== state.x) || state.x;
  }

  // ------------------------------------------------------------------ 4. header
  function renderHeader() {
    const p = model.payload;
    $('study-name').textContent = p.study.name;
    document.title = 'mo-orpo study: ' + p.study.name;
    $('objectives-line').textContent = 'Objectives: ' + p.study.objectives
      .map((o) => `${o.metric} ${ARROW[o.mode] || ''} ${o.mode}`).join('  \u00b7  ');
    const ranked = model.rows.filter((r) => r.pareto_rank !== null);
    const counts = stateCounts();
    const kpis = [
      ['trials-count', 'Trials', model.rows.length],
      ['ranked-count', 'With values', ranked.length],
      ['nd-count', 'Non-dominated', model.rows.filter((r) => r.non_dominated === true).length],
      ['hv-value', 'Hypervolume', fmt(p.hypervolume.value)],
      ['left-out-count', 'Left out', p.left_out.length],
      ['running-count', 'Running', counts.running || 0],
      ['errored-count', 'Errored', counts.errored || 0],
    ];
    $('kpis').replaceChildren(...kpis.map(([id, name, value]) => el('div', { className: 'kpi' }, [
      el('div', { className: 'value', id, text: String(value) }),
      el('div', { className: 'label', text: name }),
    ])));
    $('generated-at').textContent = fmtTime(p.generated_at);
  }

  function stateCounts() {
    const counts = {};
    model.rows.forEach((r) => { counts[r.state] = (counts[r.state] || 0) + 1; });
    return counts;
  }

  // ------------------------------------------------------------------ 5. Pareto front
  function fillAxisSelect(select, value) {
    const key = JSON.stringify(model.payload.axes);
    if (select.dataset.axes === key) { select.value = value; return; }  // keep an open dropdown open
    select.dataset.axes = key;
    const groups = model.payload.axes.map((g) => el('optgroup', { label: g.label },
      g.columns.map((c) => el('option', { value: c, text: c }))));
    select.replaceChildren(...groups);
    select.value = value;
  }

  /** Indices of the 2-D non-dominated points; equal points are all non-dominated. */
  function nonDominated2d(points, dirX, dirY) {
    const sx = dirX === 'max' ? -1 : 1;
    const sy = dirY === 'max' ? -1 : 1;
    const order = points.map((p, i) => [p[0] * sx, p[1] * sy, i])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const keep = new Array(points.length).fill(false);
    let bestY = Infinity;
    let last = null;
    order.forEach((q) => {
      if (q[1] < bestY) { keep[q[2]] = true; bestY = q[1]; last = q; }
      else if (last && q[0] === last[0] && q[1] === last[1]) keep[q[2]] = true;
    });
    return keep;
  }

  function passesBrush(row) {
    return pcDims.every((d) => {
      const range = state.brush[d.key];
      if (!range) return true;
      const v = d.value(row);
      if (!isNum(v)) return false;
      const ranges = Array.isArray(range[0]) ? range : [range];
      return ranges.some(([lo, hi]) => v >= lo && v <= hi);
    });
  }

  function hoverText(r, columns) {
    const lines = [`<b>trial ${ptext(r.trial_id)}</b>`,
      `strategy: ${ptext(r.strategy)}`, `schedule: ${ptext(r.schedule)}`,
      `w1: ${fmt(r.w1)}   w2: ${fmt(r.w2)}`, `learning rate: ${fmt(r.lr)}`,
      `chosen epoch: ${fmt(r.best_epoch)}`, `state: ${ptext(r.state)}`,
      `Pareto rank: ${r.pareto_rank === null ? 'n/a' : r.pareto_rank}`];
    const shown = new Set();
    model.objectives.forEach((o) => { shown.add(o.metric); lines.push(`${ptext(o.metric)}: ${fmt(r[o.metric])}`); });
    columns.forEach((c) => { if (!shown.has(c)) { shown.add(c); lines.push(`${ptext(c)}: ${fmt(r[c])}`); } });
    return lines.join('<br>');
  }

  function staircase(points, dirX) {
    const sorted = points.slice().sort((a, b) => a[0] - b[0]);
    return { x: sorted.map((p) => p[0]), y: sorted.map((p) => p[1]), shape: dirX === 'max' ? 'vh' : 'hv' };
  }

  /** Trials drawn in the front plot, with their highlight flags (used by the CSV download too). */
  function frontPoints() {
    const { x, y } = state;
    const withValues = model.rows.filter((r) => isNum(r[x]) && isNum(r[y]));
    const shown = withValues.filter(passesBrush);
    const dx = direction(x);
    const dy = direction(y);
    const axesFront = nonDominated2d(shown.map((r) => [r[x], r[y]]), dx, dy);
    const highlighted = shown.map((r, i) => (state.frontMode === 'axes' ? axesFront[i] : r.non_dominated === true));
    const hi = shown.filter((_, i) => highlighted[i]);
    const lineFlags = state.frontMode === 'axes' ? hi.map(() => true)
      : nonDominated2d(hi.map((r) => [r[x], r[y]]), dx, dy);
    const line = hi.filter((_, i) => lineFlags[i]).map((r) => [r[x], r[y]]);
    const visible = shown.filter((_, i) => highlighted[i] || !state.hideDominated);
    return { withValues, shown, highlighted, hi, line, visible, dx, dy };
  }

  function renderFront() {
    const { x, y } = state;
    const f = frontPoints();
    const type = f.shown.length > WEBGL_ABOVE ? 'scattergl' : 'scatter';
    const traces = [];
    model.strategies.forEach((s) => {
      const inS = (r) => label(r.strategy) === s;
      const front = f.shown.filter((r, i) => inS(r) && f.highlighted[i]);
      const rest = state.hideDominated ? [] : f.shown.filter((r, i) => inS(r) && !f.highlighted[i]);
      const common = (rows) => ({
        type, mode: 'markers', x: rows.map((r) => r[x]), y: rows.map((r) => r[y]),
        customdata: rows.map((r) => r.trial_id), hovertext: rows.map((r) => hoverText(r, [x, y])),
        hovertemplate: '%{hovertext}<extra></extra>', legendgroup: s,
      });
      if (front.length) {
        traces.push(Object.assign(common(front), {
          name: ptext(s),
          marker: { color: model.colors[s], size: 11, symbol: front.map((r) => model.symbols[label(r.schedule)]),
            line: { color: '#111827', width: 1.2 } },
        }));
      }
      if (rest.length) {
        traces.push(Object.assign(common(rest), {
          name: ptext(s), showlegend: front.length === 0, opacity: 0.3,
          marker: { color: model.colors[s], size: 8, symbol: rest.map((r) => model.symbols[label(r.schedule)]) },
        }));
      }
    });
    if (f.line.length) {
      const st = staircase(f.line, f.dx);
      traces.push({ type, mode: 'lines', x: st.x, y: st.y, name: `front line (${f.line.length})`,
        line: { color: '#111827', width: 1.5, shape: st.shape }, hoverinfo: 'skip' });
    }
    model.schedules.forEach((s) => {
      traces.push({ type, mode: 'markers', x: [null], y: [null], name: 'schedule: ' + ptext(s),
        legendgroup: 'schedule', marker: { color: '#9ca3af', size: 10, symbol: model.symbols[s] }, hoverinfo: 'skip' });
    });
    const sel = f.shown.filter((r) => state.selected.includes(r.trial_id));
    if (sel.length) {
      traces.push({ type, mode: 'markers', x: sel.map((r) => r[x]), y: sel.map((r) => r[y]), showlegend: false,
        hoverinfo: 'skip', marker: { size: 20, symbol: 'circle-open', color: '#e11d48', line: { width: 2.5 } } });
    }
    const layout = {
      margin: { l: 70, r: 10, t: 32, b: 60 }, hovermode: 'closest', clickmode: 'event',
      uirevision: `${x}|${y}|${state.logX}|${state.logY}`,
      xaxis: { title: { text: `${ptext(x)} ${ARROW[f.dx]}` }, type: state.logX ? 'log' : 'linear', zeroline: false },
      yaxis: { title: { text: `${ptext(y)} ${ARROW[f.dy]}` }, type: state.logY ? 'log' : 'linear', zeroline: false },
      legend: { orientation: 'v', groupclick: 'togglegroup' },
      annotations: f.withValues.length ? [] : [{ text: 'No trial has values for both axes yet',
        showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }],
    };
    Plotly.react($('front-plot'), traces, layout, PLOT_CONFIG);
    const filtered = f.withValues.length - f.shown.length;
    const what = state.frontMode === 'axes' ? 'the plotted axes' : 'the study objectives';
    $('front-summary').replaceChildren(
      el('b', { id: 'plotted-count', text: String(f.shown.length) }),
      document.createTextNode(` trials plotted (of ${f.withValues.length} with values for both axes)  \u00b7  `),
      el('b', { id: 'highlighted-count', text: String(f.hi.length) }),
      document.createTextNode(` non-dominated on ${what}` + (filtered ? `  \u00b7  ${filtered} hidden by parallel-coordinates filters` : '')),
    );
  }

  function bindFrontControls() {
    const rerender = () => { renderFront(); renderParcoords(); };
    $('x-axis').addEventListener('change', (e) => { state.x = e.target.value; $('x-dir').value = direction(state.x); rerender(); });
    $('y-axis').addEventListener('change', (e) => { state.y = e.target.value; $('y-dir').value = direction(state.y); rerender(); });
    $('x-dir').addEventListener('change', (e) => { state.dirs[state.x] = e.target.value; renderFront(); });
    $('y-dir').addEventListener('change', (e) => { state.dirs[state.y] = e.target.value; renderFront(); });
    $('x-log').addEventListener('change', (e) => { state.logX = e.target.checked; renderFront(); });
    $('y-log').addEventListener('change', (e) => { state.logY = e.target.checked; renderFront(); });
    $('front-mode').addEventListener('change', (e) => { state.frontMode = e.target.value; renderFront(); });
    $('hide-dominated').addEventListener('change', (e) => { state.hideDominated = e.target.checked; renderFront(); });
    $('download-csv').addEventListener('click', downloadCsv);
    $('reset-view').addEventListener('click', reset);
    $('front-plot').on('plotly_click', onPlotClick);
    $('loss-front-plot').on('plotly_click', onPlotClick);
  }

  function onPlotClick(ev) {
    const point = ev && ev.points && ev.points[0];
    if (!point || point.customdata === undefined) return;
    selectTrial(String(point.customdata), ev.event && (ev.event.shiftKey || ev.event.ctrlKey || ev.event.metaKey));
  }

  // ------------------------------------------------------------------ 6. selected trial
  function selectTrial(id, add) {
    if (!model.byId.has(id)) return;
    if (add) {
      state.selected = state.selected.includes(id) ? state.selected.filter((s) => s !== id) : state.selected.concat([id]);
    } else {
      state.selected = [id];
    }
    renderSelection();
    renderFront();
  }

  function renderSelection() {
    state.selected = state.selected.filter((id) => model.byId.has(id));
    const rows = state.selected.map((id) => model.byId.get(id));
    $('selected-label').textContent = rows.map((r) => `trial ${r.trial_id} (${label(r.strategy)}, ${label(r.schedule)}, w1=${fmt(r.w1)})`).join('; ');
    renderDetails(rows[rows.length - 1]);
    renderCurves(rows);
    document.querySelectorAll('tr[data-trial]').forEach((tr) => {
      tr.classList.toggle('selected', state.selected.includes(tr.dataset.trial));
    });
  }

  function renderDetails(r) {
    const box = $('trial-details');
    if (!r) {
      box.replaceChildren(el('p', { className: 'muted', text: 'Click a point to see that trial (shift-click to compare several).' }));
      return;
    }
    const fields = [['trial', r.trial_id], ['state', r.state], ['strategy', r.strategy], ['schedule', r.schedule],
      ['w1', r.w1], ['w2', r.w2], ['learning rate', r.lr], ['epochs', r.epochs], ['ORPO lambda', r.orpo_lambda],
      ['LoRA r', r.lora_r], ['seed', r.seed], ['chosen epoch', r.best_epoch], ['epochs done', r.epochs_done],
      ['steps done', r.steps_done], ['Pareto rank', r.pareto_rank], ['non-dominated', r.non_dominated]];
    model.objectives.forEach((o) => fields.push([`${o.metric} ${ARROW[o.mode]}`, r[o.metric]]));
    fields.push(['started', fmtTime(r.started_at)], ['finished', fmtTime(r.finished_at)]);
    const table = el('table', {}, fields.map(([k, v]) => el('tr', {}, [el('td', { text: k }), el('td', { text: fmt(v) })])));
    const children = [el('h3', { text: `Trial ${r.trial_id}` }), table];
    if (r.error) children.push(el('p', { className: 'error', text: 'Error: ' + r.error }));
    const config = model.cols.filter((c) => c.startsWith('config/') && r[c] !== null && r[c] !== undefined);
    if (config.length) {
      children.push(el('details', { id: 'trial-config' }, [el('summary', { text: `Full config (${config.length})` }),
        el('table', {}, config.map((c) => el('tr', {}, [el('td', { text: c.slice(7) }), el('td', { text: fmt(r[c]) })])))]));
    }
    box.replaceChildren(...children);
  }

  function renderCurves(rows) {
    const container = $('curves');
    $('curves-empty').hidden = rows.length > 0;
    if (!rows.length) { container.replaceChildren(); return; }
    const multi = rows.length > 1;
    model.payload.curve_panels.forEach((panel) => {
      const id = 'curve-' + panel.id;
      let div = $(id);
      if (!div) { div = el('div', { id, className: 'plot' }); container.appendChild(div); }
      const traces = [];
      rows.forEach((r, ti) => {
        const curves = model.payload.curves[r.trial_id] || {};
        panel.series.forEach((s) => {
          const c = curves[s.metric];
          if (!c) return;
          const evalSplit = s.split === 'eval';
          traces.push({
            type: 'scatter', mode: evalSplit ? 'lines+markers' : 'lines', x: c.x, y: c.y,
            name: (multi ? `${ptext(r.trial_id)} ` : '') + `${s.task} (${s.split})`,
            customdata: c.x.map(() => r.trial_id), meta: s.metric,
            line: { color: multi ? TRIAL_COLORS[ti % TRIAL_COLORS.length] : TASK_COLORS[s.task],
              dash: multi ? TASK_DASH[s.task] : (evalSplit ? 'dot' : 'solid'), width: evalSplit ? 1.5 : 2 },
            hovertemplate: `${ptext(s.metric)}<br>trial ${ptext(r.trial_id)}<br>step %{x}: %{y}<extra></extra>`,
          });
        });
      });
      const layout = {
        title: { text: ptext(panel.title), font: { size: 13 }, x: 0.02, xanchor: 'left' },
        margin: { l: 60, r: 10, t: 40, b: 50 }, xaxis: { title: { text: 'optimizer step' } },
        annotations: traces.length ? [] : [{ text: 'No curve reports for this trial yet', showarrow: false,
          xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }],
      };
      Plotly.react(div, traces, layout, PLOT_CONFIG);
    });
  }

  // ------------------------------------------------------------------ 7. parallel coordinates
  function categorical(key, name) {
    const labels = uniqueSorted(model.rows.map((r) => r[key]));
    return { key, label: name, value: (r) => labels.indexOf(label(r[key])), tickvals: labels.map((_, i) => i), ticktext: labels };  // ticks are set as plain text by plotly: no escaping
  }

  function buildDims(rows) {
    const numeric = (key, name, transform) => ({ key, label: name, value: (r) => (isNum(r[key]) ? (transform ? transform(r[key]) : r[key]) : null) });
    const candidates = [categorical('strategy', 'strategy'), categorical('schedule', 'schedule'),
      numeric('w1', 'w1'), numeric('w2', 'w2'), numeric('lr', 'log10 lr', (v) => (v > 0 ? Math.log10(v) : null)),
      numeric('orpo_lambda', 'ORPO lambda'), numeric('lora_r', 'LoRA r'), numeric('epochs', 'epochs'),
      numeric('best_epoch', 'chosen epoch')];
    const dims = [];
    const skipped = [];
    candidates.forEach((d) => {
      const values = rows.map(d.value);
      const distinct = new Set(values.filter(isNum));
      if (values.some((v) => !isNum(v))) { if (distinct.size) skipped.push(d.label); return; }
      if (distinct.size > 1) dims.push(d);
    });
    model.objectives.forEach((o) => dims.push(numeric(o.metric, `${o.metric} ${ARROW[o.mode]}`)));
    dims.push(numeric('pareto_rank', 'Pareto rank'));
    return { dims, skipped };
  }

  function renderParcoords() {
    const rows = model.rows.filter((r) => r.pareto_rank !== null);
    const built = buildDims(rows);
    pcDims = built.dims;
    const gd = $('parcoords-plot');
    const passing = rows.filter(passesBrush).length;
    $('parcoords-summary').textContent = `${passing} of ${rows.length} trials with values pass the filters` +
      (built.skipped.length ? ` (not shown, missing for some trials: ${built.skipped.join(', ')})` : '');
    if (!rows.length) {
      Plotly.react(gd, [], { annotations: [{ text: 'No trial has values for every objective yet', showarrow: false,
        xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }], xaxis: { visible: false }, yaxis: { visible: false } }, PLOT_CONFIG);
      return;
    }
    const ranks = rows.map((r) => r.pareto_rank);
    const trace = {
      type: 'parcoords',
      line: { color: ranks, colorscale: 'Viridis', reversescale: true, cmin: 1, cmax: Math.max(2, ...ranks),
        showscale: true, colorbar: { title: { text: 'Pareto rank' } } },
      dimensions: pcDims.map((d) => {
        const dim = { label: ptext(d.label), values: rows.map(d.value) };
        if (d.tickvals) { dim.tickvals = d.tickvals; dim.ticktext = d.ticktext; dim.range = [-0.25, Math.max(0.25, d.tickvals.length - 0.75)]; }
        if (state.brush[d.key]) dim.constraintrange = state.brush[d.key];
        return dim;
      }),
    };
    Plotly.react(gd, [trace], { margin: { l: 70, r: 70, t: 50, b: 30 } }, PLOT_CONFIG);
  }

  function bindParcoords() {
    const gd = $('parcoords-plot');
    gd.on('plotly_restyle', () => {
      const dims = (gd.data[0] && gd.data[0].dimensions) || [];
      const brush = {};
      dims.forEach((d, i) => { if (d.constraintrange && pcDims[i]) brush[pcDims[i].key] = d.constraintrange; });
      state.brush = brush;
      renderFront();
      const rows = model.rows.filter((r) => r.pareto_rank !== null);
      $('parcoords-summary').textContent = `${rows.filter(passesBrush).length} of ${rows.length} trials with values pass the filters`;
    });
    $('reset-brush').addEventListener('click', () => { state.brush = {}; renderParcoords(); renderFront(); });
  }

  // ------------------------------------------------------------------ 8. paper views
  function renderLossFront() {
    const lf = model.payload.paper.loss_front;
    const rows = model.rows.filter((r) => isNum(r[lf.x]) && isNum(r[lf.y]));
    const traces = [];
    const labels = rows.length <= 30;
    model.strategies.forEach((s) => {
      const pts = rows.filter((r) => label(r.strategy) === s);
      if (!pts.length) return;
      traces.push({
        type: 'scatter', mode: labels ? 'markers+text' : 'markers', x: pts.map((r) => r[lf.x]), y: pts.map((r) => r[lf.y]),
        text: pts.map((r) => `w1=${fmt(r.w1)}`), textposition: 'top center', textfont: { size: 10 },
        customdata: pts.map((r) => r.trial_id), name: ptext(s), hovertext: pts.map((r) => hoverText(r, [lf.x, lf.y])),
        hovertemplate: '%{hovertext}<extra></extra>',
        marker: { color: model.colors[s], size: pts.map((r) => (r.loss_non_dominated ? 12 : 8)),
          opacity: pts.map((r) => (r.loss_non_dominated ? 1 : 0.35)), symbol: pts.map((r) => model.symbols[label(r.schedule)]),
          line: { color: '#111827', width: pts.map((r) => (r.loss_non_dominated ? 1.2 : 0)) } },
      });
    });
    const front = rows.filter((r) => r.loss_non_dominated).map((r) => [r[lf.x], r[lf.y]]);
    if (front.length) {
      const st = staircase(front, 'min');
      traces.push({ type: 'scatter', mode: 'lines', x: st.x, y: st.y, name: `front (${front.length})`,
        line: { color: '#111827', width: 1.5, shape: st.shape }, hoverinfo: 'skip' });
    }
    Plotly.react($('loss-front-plot'), traces, {
      margin: { l: 60, r: 10, t: 10, b: 50 }, hovermode: 'closest', uirevision: 'loss-front',
      xaxis: { title: { text: `${ptext(lf.x)} \u2193` } }, yaxis: { title: { text: `${ptext(lf.y)} \u2193` } },
      annotations: rows.length ? [] : [{ text: `No trial has ${ptext(lf.x)} and ${ptext(lf.y)} yet`, showarrow: false,
        xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }],
    }, PLOT_CONFIG);
  }

  // ------------------------------------------------------------------ 9. tables
  function compareCells(a, b) {
    const na = a === null || a === undefined;
    const nb = b === null || b === undefined;
    if (na || nb) return na && nb ? 0 : (na ? 1 : -1);
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function renderTable(container, spec, filterText) {
    const keys = spec.columns.map((c) => c.key);
    const trialIdx = keys.indexOf(spec.trial_key);
    let rows = spec.rows;
    if (filterText) {
      const needle = filterText.toLowerCase();
      rows = rows.filter((r) => r.some((v) => v !== null && fmt(v).toLowerCase().includes(needle)));
    }
    const sort = state.sorts[container.id];
    if (sort) {
      const i = keys.indexOf(sort.key);
      rows = rows.slice().sort((a, b) => {
        const nullA = a[i] === null || a[i] === undefined;
        const nullB = b[i] === null || b[i] === undefined;
        if (nullA || nullB) return compareCells(a[i], b[i]);
        return sort.desc ? compareCells(b[i], a[i]) : compareCells(a[i], b[i]);
      });
    }
    const head = el('tr', {}, spec.columns.map((c) => {
      const arrow = sort && sort.key === c.key ? (sort.desc ? ' \u25bc' : ' \u25b2') : '';
      return el('th', { title: 'sort by ' + c.label, onclick: () => {
        const cur = state.sorts[container.id];
        state.sorts[container.id] = { key: c.key, desc: cur && cur.key === c.key ? !cur.desc : false };
        renderTable(container, spec, filterText);
      } }, [document.createTextNode(c.label), el('span', { className: 'arrow', text: arrow })]);
    }));
    const body = rows.slice(0, ROW_LIMIT).map((r) => {
      const id = trialIdx >= 0 ? String(r[trialIdx]) : null;
      const trial = id !== null ? model.byId.get(id) : null;
      const tr = el('tr', {}, spec.columns.map((c, i) => cell(c, r[i])));
      if (trial) {
        tr.dataset.trial = id;
        tr.classList.add('clickable');
        if (trial.non_dominated) tr.classList.add('front');
        if (state.selected.includes(id)) tr.classList.add('selected');
        tr.addEventListener('click', (e) => { selectTrial(id, e.shiftKey || e.ctrlKey || e.metaKey); });
      }
      return tr;
    });
    const table = el('table', { className: 'data' }, [el('thead', {}, [head]), el('tbody', {}, body)]);
    const notes = [el('div', { className: 'table-caption', text: spec.caption })];
    if (rows.length > ROW_LIMIT) notes.push(el('div', { className: 'table-caption', text: `Showing the first ${ROW_LIMIT} of ${rows.length} rows; download the CSV for all.` }));
    container.replaceChildren(...notes, el('div', { className: 'table-wrap' }, [table]));
  }

  function cell(column, value) {
    if (column.key === 'state' && value) return el('td', {}, [el('span', { className: 'state state-' + String(value).replace(/[^a-z_]/g, ''), text: String(value) })]);
    if (column.kind === 'time') return el('td', { text: fmtTime(value) });
    if (column.key === 'error') return el('td', { className: 'error', text: value === null ? '' : String(value) });
    return el('td', { className: column.kind === 'number' ? 'num' : '', text: fmt(value) });
  }

  // ------------------------------------------------------------------ 10. progress
  function renderProgress() {
    const p = model.payload;
    const counts = stateCounts();
    const parts = Object.keys(counts).sort().map((s) => `${s} ${counts[s]}`);
    const planned = isNum(p.study.planned_trials) ? ` of ${p.study.planned_trials} planned` : '';
    $('progress-line').textContent = `${model.rows.length} trials${planned}: ${parts.join(', ') || 'none yet'}  \u00b7  driver ${p.study.driver_alive ? 'running' : 'not running'}`;
    const h = p.hypervolume.history;
    Plotly.react($('hv-plot'), h.hypervolume.length ? [{
      type: 'scatter', mode: 'lines+markers', x: h.finished_at.map((t) => new Date(t * 1000)), y: h.hypervolume,
      line: { shape: 'hv', color: '#2463eb' }, name: 'hypervolume',
      hovertext: h.trial_id.map((id, i) => `after trial ${ptext(id)}<br>front size ${h.front_size[i]}`),
      hovertemplate: '%{hovertext}<br>hypervolume %{y}<extra></extra>',
    }] : [], {
      margin: { l: 70, r: 10, t: 30, b: 50 }, title: { text: 'Hypervolume of the front as trials finished', font: { size: 13 } },
      xaxis: { title: { text: 'trial finished at' }, type: 'date' },
      // from zero; a flat history would otherwise get plotly's default range of value +- 1
      yaxis: Object.assign({ title: { text: 'hypervolume' }, rangemode: 'tozero' },
        new Set(h.hypervolume).size === 1 && h.hypervolume[0] > 0 ? { range: [0, h.hypervolume[0] * 1.15] } : {}),
      annotations: h.hypervolume.length ? [] : [{ text: 'No finished trial with values yet', showarrow: false,
        xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }],
    }, PLOT_CONFIG);
    const ref = p.study.objectives.map((o, i) => `${o.metric} = ${fmt(p.hypervolume.reference[i])}`).join(', ');
    $('hv-reference').textContent = ref ? `Reference point: ${ref} (each objective's worst value pushed out by 10% of its range).` : '';
    const n = p.left_out.length;
    $('left-out-summary').textContent = `${n} trial${n === 1 ? '' : 's'} left out of the front (no value for an objective)`;
    $('left-out-list').replaceChildren(...p.left_out.map((t) => el('li', { text: `${t.trial_id}: ${t.reason}` })));
  }

  // ------------------------------------------------------------------ 11. CSV of the shown trials
  function csvCell(v) {
    if (v === null || v === undefined) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;  // no formulas in spreadsheets
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function downloadCsv() {
    const rows = frontPoints().visible;
    const lines = [model.cols.map(csvCell).join(',')].concat(rows.map((r) => model.cols.map((c) => csvCell(r[c])).join(',')));
    const url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    const a = el('a', { href: url, download: `${model.payload.study.name.replace(/[^\w.-]+/g, '_')}-trials.csv` });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ------------------------------------------------------------------ 12. live updates
  function setLive(ok) {
    const badge = $('live-status');
    badge.hidden = false;
    badge.classList.toggle('stale', !ok);
    badge.textContent = ok ? `\u25cf live \u00b7 updated ${new Date().toLocaleTimeString()}` : 'connection lost \u00b7 retrying';
  }

  async function poll() {
    try {
      const response = await fetch('api/data?since=' + encodeURIComponent(model.payload.version), { cache: 'no-store' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      if (!body.unchanged) { model = buildModel(body); renderAll(); }
      setLive(true);
    } catch (err) {
      setLive(false);
    }
    setTimeout(poll, config.poll_ms || 2000);
  }

  // ------------------------------------------------------------------ 13. start
  function renderAll() {
    chooseDefaultAxes();
    fillAxisSelect($('x-axis'), state.x);
    fillAxisSelect($('y-axis'), state.y);
    $('x-dir').value = direction(state.x);
    $('y-dir').value = direction(state.y);
    renderHeader();
    renderParcoords();
    renderFront();
    renderSelection();
    renderLossFront();
    renderTable($('table1'), model.payload.paper.table1);
    renderTable($('table2'), model.payload.paper.table2);
    renderTable($('state-table'), model.payload.state_table, state.filter);
    renderProgress();
  }

  /** Back to the first view: default axes, no selection, filters or sorting. */
  function reset() {
    Object.assign(state, defaultState());
    $('x-log').checked = false;
    $('y-log').checked = false;
    $('hide-dominated').checked = false;
    $('front-mode').value = 'study';
    $('trials-filter').value = '';
    renderAll();
  }

  function start() {
    model = buildModel(JSON.parse($('study-data').textContent));
    renderAll();
    bindFrontControls();
    bindParcoords();
    $('trials-filter').addEventListener('input', (e) => {
      state.filter = e.target.value;
      renderTable($('state-table'), model.payload.state_table, state.filter);
    });
    if (config.live) { setLive(true); setTimeout(poll, config.poll_ms || 2000); }
    window.moOrpoExplorer = { state, get model() { return model; }, renderAll, selectTrial, reset };
    document.body.dataset.ready = '1';
  }

  start();
})();
