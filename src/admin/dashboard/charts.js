// The fleet charts (the last hour, from the gateway's 10-second samples) and a charger's timeline on the dashboard.
// Loaded before app.js; uses its helpers (api, esc) when called. uPlot comes from the admin port (vendor/), loaded the
// first time a chart is drawn, not with the page.
'use strict';

const CHARTS = [
  ['messages', 'Messages per second by operation'],
  ['latency', 'Answer latency p50 / p99 (ms)'],
  ['backlog', 'Queued and dead letters'],
  ['connections', 'CSMS connections open (this instance)'],
];
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];
/** The charts are redrawn at most this often: the gateway samples every 10 s. */
const CHART_REFRESH_MS = 10_000;

let uplotLoading;
/** uPlot and its stylesheet, on first use. */
function loadUplot() {
  uplotLoading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = 'vendor/uPlot.min.css';
    document.head.append(css);
    const script = document.createElement('script');
    script.src = 'vendor/uPlot.iife.min.js';
    script.onload = () => resolve(window.uPlot);
    script.onerror = () => {
      uplotLoading = undefined;
      reject(new Error('the chart library could not be loaded'));
    };
    document.head.append(script);
  });
  return uplotLoading;
}

/** 12345 -> 12.3k: axis and legend values stay short with a fleet of 10,000. */
const short = (v) => {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return a >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(+v.toFixed(2));
};

/** The fleet charts' state, kept across the page's refreshes (the fleet table is redrawn every 3 s, not them). */
const fleetCharts = { plots: {}, names: {}, drawnAt: 0 };

function plotOptions(chart, width) {
  return {
    width,
    height: 200,
    scales: { x: { time: true } },
    series: [
      {},
      ...chart.series.map((s, i) => ({
        label: s.name,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        value: (_u, v) => short(v),
      })),
    ],
    axes: [{}, { size: 50, values: (_u, ticks) => ticks.map(short) }],
  };
}

/** Shows (and refreshes, at most every 10 s) or hides the fleet charts above the fleet table. */
async function showFleetCharts(visible) {
  const section = document.getElementById('charts');
  section.hidden = !visible;
  if (!visible || Date.now() - fleetCharts.drawnAt < CHART_REFRESH_MS) return;
  fleetCharts.drawnAt = Date.now();
  try {
    const [uPlot, data] = await Promise.all([loadUplot(), api('/api/charts')]);
    drawFleetCharts(uPlot, data);
  } catch (e) {
    fleetCharts.drawnAt = 0;
    section.innerHTML = `<p class="bad">charts unavailable: ${esc(e.message)}</p>`;
    fleetCharts.plots = {};
  }
}

function drawFleetCharts(uPlot, data) {
  const section = document.getElementById('charts');
  if (!section.querySelector('.chart')) {
    section.innerHTML = `<h3>Last hour <span class="muted">(a sample every ${esc(data.intervalSeconds)} s; messages, latency and connections of this instance)</span></h3>
      <div class="charts">${CHARTS.map(([key, title]) => `<div class="card chart" id="chart-${key}"><h3>${esc(title)}</h3><div class="plot"></div></div>`).join('')}</div>`;
    fleetCharts.plots = {};
  }
  for (const [key] of CHARTS) {
    const chart = data.charts[key];
    const place = section.querySelector(`#chart-${key} .plot`);
    const names = chart.series.map((s) => s.name).join('\n');
    const plotData = [data.times, ...chart.series.map((s) => s.values)];
    const plot = fleetCharts.plots[key];
    if (plot && fleetCharts.names[key] === names) {
      plot.setData(plotData);
      continue;
    }
    // New or different series (an operation became one of the busiest): a new plot.
    plot?.destroy();
    fleetCharts.names[key] = names;
    fleetCharts.plots[key] = new uPlot(plotOptions(chart, Math.max(280, place.clientWidth)), plotData, place);
  }
}

window.addEventListener('resize', () => {
  for (const [key, plot] of Object.entries(fleetCharts.plots)) {
    const place = document.querySelector(`#chart-${key} .plot`);
    if (place) plot.setSize({ width: Math.max(280, place.clientWidth), height: 200 });
  }
});

// A charger's timeline: lanes of its connectors' statuses, its sessions, faults and CSMS connection drops, drawn as SVG
// (attributes, no inline styles: the admin port's content security policy allows none), and the events as a table.

const KNOWN_STATUSES = new Set([
  'Available',
  'Occupied',
  'Preparing',
  'Charging',
  'SuspendedEV',
  'SuspendedEVSE',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
]);
const KIND_NAMES = {
  status: 'status',
  fault: 'fault',
  'session-start': 'session started',
  'session-stop': 'session stopped',
  'csms-drop': 'CSMS connection dropped',
  'csms-open': 'CSMS connection open',
};
const TL = { left: 130, right: 990, lane: 24 };

const loadTimeline = (identity) =>
  api(`/api/chargers/${encodeURIComponent(identity)}/timeline`).catch((e) => ({ error: e.message, events: [] }));

/** The shortest time the timeline spans: a few events a second apart are not drawn as one line. */
const TL_MIN_SPAN_MS = 15 * 60_000;

/** The timeline section of a charger's page: from its oldest kept event (15 minutes back at least) to now. */
function timelineSection(timeline) {
  if (timeline.error)
    return `<section id="timeline"><p class="bad">timeline unavailable: ${esc(timeline.error)}</p></section>`;
  const events = [...timeline.events].reverse();
  const now = Date.now();
  const oldest = Math.min(...events.map((e) => Date.parse(e.at)));
  const from = Math.min(now - TL_MIN_SPAN_MS, oldest - (now - oldest) / 20);
  const x = (at) =>
    TL.left + ((Math.min(now, Math.max(from, Date.parse(at))) - from) / (now - from)) * (TL.right - TL.left);
  const lanes = timelineLanes(events, x);
  const height = lanes.length * TL.lane + 20;
  const svg = `<svg id="timeline-chart" viewBox="0 0 1000 ${height}" role="img" aria-label="timeline">
    ${lanes.map((lane, i) => `<g transform="translate(0 ${i * TL.lane})"><text x="4" y="16" class="tl-label">${esc(lane.label)}</text><line x1="${TL.left}" x2="${TL.right}" y1="11" y2="11" class="tl-rule"/>${lane.shapes}</g>`).join('')}
    ${timeAxis(from, now, lanes.length * TL.lane)}</svg>`;
  const rows = timeline.events
    .map(
      (
        e,
      ) => `<tr class="tl-event kind-${esc(e.kind)}"><td title="${esc(e.at)}">${new Date(e.at).toLocaleTimeString()}</td><td>${esc(KIND_NAMES[e.kind] ?? e.kind)}</td>
        <td>${esc(e.connectorId ?? '')}</td><td>${esc(e.status ?? e.transactionId ?? '')}</td><td>${esc(e.detail ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="timeline"><h3>Timeline <span class="muted">(status changes, sessions, faults, CSMS connection drops; kept by this instance)</span></h3>
    ${events.length ? svg + timelineLegend(events) : '<p class="muted" id="timeline-none">Nothing recorded yet.</p>'}
    <details ${events.length ? '' : 'hidden'}><summary class="muted">${events.length} events</summary><table id="timeline-events"><tr><th>time</th><th>what</th><th>connector</th><th>status / transaction</th><th>detail</th></tr>${rows}</table></details></section>`;
}

/** The colours used: each status reported, then sessions, faults and CSMS outages. */
function timelineLegend(events) {
  const statuses = [...new Set(events.filter((e) => e.status).map((e) => e.status))];
  const entries = [
    ...statuses.map((s) => [`st-${KNOWN_STATUSES.has(s) ? s : 'other'}`, s]),
    ['tl-session', 'session'],
    ['tl-fault', 'fault'],
    ['tl-drop', 'CSMS connection down'],
  ];
  return `<p class="tl-legend">${entries.map(([cls, label]) => `<svg viewBox="0 0 10 10" class="tl-swatch"><rect class="${esc(cls)}" width="10" height="10"/></svg> ${esc(label)}`).join(' ')}</p>`;
}

const bar = (cls, x1, x2, title) =>
  `<rect class="${cls}" x="${x1.toFixed(1)}" y="3" width="${Math.max(3, x2 - x1).toFixed(1)}" height="16"><title>${esc(title)}</title></rect>`;
const when = (at) => new Date(at).toLocaleTimeString();

/** One lane per connector, then sessions, faults and the CSMS connection; events oldest first. */
function timelineLanes(events, x) {
  const end = new Date().toISOString();
  const lanes = [];
  const connectors = [...new Set(events.filter((e) => e.status).map((e) => e.connectorId))].sort((a, b) => a - b);
  for (const id of connectors) {
    const changes = events.filter((e) => e.status && e.connectorId === id);
    const shapes = changes.map((e, i) => {
      const cls = `tl-status st-${KNOWN_STATUSES.has(e.status) ? e.status : 'other'}`;
      return bar(cls, x(e.at), x(changes[i + 1]?.at ?? end), `${e.status} from ${when(e.at)}`);
    });
    lanes.push({ label: id === 0 ? 'charger' : `connector ${id}`, shapes: shapes.join('') });
  }
  const sessions = [];
  for (const e of events) {
    if (e.kind === 'session-start') sessions.push({ start: e, stop: undefined });
    else if (e.kind === 'session-stop') {
      const open = sessions.find((s) => !s.stop && s.start?.transactionId === e.transactionId);
      if (open) open.stop = e;
      else sessions.push({ start: undefined, stop: e });
    }
  }
  lanes.push({
    label: 'sessions',
    shapes: sessions
      .map((s) =>
        bar(
          'tl-session',
          s.start ? x(s.start.at) : TL.left,
          x(s.stop?.at ?? end),
          `transaction ${s.start?.transactionId ?? s.stop?.transactionId}: ${s.start ? when(s.start.at) : '…'} – ${s.stop ? `${when(s.stop.at)} (${s.stop.detail ?? 'stopped'})` : 'open'}`,
        ),
      )
      .join(''),
  });
  lanes.push({
    label: 'faults',
    shapes: events
      .filter((e) => e.kind === 'fault')
      .map((e) => bar('tl-fault', x(e.at) - 1.5, x(e.at) + 1.5, `${when(e.at)}: ${e.detail ?? e.status}`))
      .join(''),
  });
  const csms = [];
  events.forEach((e, i) => {
    if (e.kind !== 'csms-drop') return;
    const back = events.slice(i + 1).find((n) => n.kind === 'csms-open');
    csms.push(
      bar(
        'tl-drop',
        x(e.at),
        x(back?.at ?? end),
        `dropped ${when(e.at)}: ${e.detail ?? ''}${back ? `, open again ${when(back.at)}` : ''}`,
      ),
    );
  });
  lanes.push({ label: 'CSMS connection', shapes: csms.join('') });
  return lanes;
}

/** Six time labels under the lanes. */
function timeAxis(from, to, y) {
  const ticks = [];
  for (let k = 0; k <= 5; k++) {
    const t = from + ((to - from) * k) / 5;
    const tx = TL.left + ((TL.right - TL.left) * k) / 5;
    const time = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    ticks.push(`<text x="${tx.toFixed(1)}" y="${y + 14}" class="tl-tick">${esc(time)}</text>`);
  }
  return ticks.join('');
}
