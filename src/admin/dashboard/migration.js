// Migration routing on the dashboard: routes, each system's open transactions, divergences, and route changes.
// Loaded before app.js; uses its helpers (api, esc, ago, view, route) when called.
'use strict';

const ROUTES = ['csms', 'legacy', 'legacy+shadow', 'csms+shadow'];
/** A route picked in a charger's select and not applied yet: the page's refresh keeps it picked. */
const chosenRoutes = {};

/** The fleet table's migration cells, when the gateway routes between two systems. */
const routingHeader = (chargers) =>
  chargers.some((c) => c.routing) ? '<th>route</th><th>open tx (CSMS / legacy)</th><th>divergences 24 h</th>' : '';
const routingCells = (c) =>
  c.routing
    ? `<td class="route">${esc(c.routing.route)}</td><td>${esc(c.routing.openTransactions.csms.length)} / ${esc(c.routing.openTransactions.legacy.length)}</td>
       <td class="${c.routing.divergences24h ? 'bad' : ''}">${esc(c.routing.divergences24h)}</td>`
    : '';

const divergenceTable = (list, withCharger) =>
  list.length === 0
    ? '<p class="muted">No divergences.</p>'
    : `<table class="divergences"><thead><tr><th>when</th>${withCharger ? '<th>charger</th>' : ''}<th>operation</th><th>kind</th><th>primary</th><th>shadow</th><th>what differed</th></tr></thead><tbody>
      ${list
        .map(
          (
            d,
          ) => `<tr class="divergence"><td title="${esc(d.at)}">${ago(d.at)}</td>${withCharger ? `<td><a href="#/charger/${encodeURIComponent(d.identity)}">${esc(d.identity)}</a></td>` : ''}
          <td>${esc(d.operation)}</td><td class="bad">${esc(d.kind)}</td><td>${esc(d.primary.system)}</td><td>${esc(d.shadow.system)}</td><td>${esc(d.detail)}</td></tr>`,
        )
        .join('')}</tbody></table>`;

/** The charger view's migration card and divergences; empty without migration routing. */
async function routingSection(c) {
  if (!c.routing) return '';
  const { divergences } = await api(`/api/chargers/${encodeURIComponent(c.identity)}/divergences?limit=20`);
  const picked = chosenRoutes[c.identity] ?? c.routing.route;
  const options = ROUTES.map((r) => `<option ${r === picked ? 'selected' : ''}>${esc(r)}</option>`).join('');
  return `<div class="cards"><div class="card"><h3>Migration</h3>route <b id="route">${esc(c.routing.route)}</b>
      <select id="route-select">${options}</select> <button id="route-change">Change route…</button>
      <br>open transactions: CSMS ${esc(c.routing.openTransactions.csms.join(', ') || 'none')}; legacy ${esc(c.routing.openTransactions.legacy.join(', ') || 'none')}</div></div>
    <section id="charger-divergences"><h3>Divergences <span class="muted">(where the shadow answered differently)</span></h3>${divergenceTable(divergences, false)}</section>`;
}

function bindRouteChange(identity) {
  const button = document.getElementById('route-change');
  if (!button) return;
  const select = document.getElementById('route-select');
  select.addEventListener('change', () => (chosenRoutes[identity] = select.value));
  button.addEventListener('click', async () => {
    const target = document.getElementById('route-select').value;
    const reason = prompt(`Why route ${identity} to ${target}? (logged)`);
    if (!reason) return;
    try {
      await api(`/api/chargers/${encodeURIComponent(identity)}/route`, {
        method: 'PUT',
        body: JSON.stringify({ route: target, reason }),
      });
      delete chosenRoutes[identity];
    } catch (e) {
      alert(`route change failed: ${e.message}`);
    }
    route();
  });
}

/** #/migration: chargers per route, the divergent ones, recent divergences, and a batch cut-over. */
async function renderMigration() {
  let overview;
  try {
    overview = await api('/api/migration');
  } catch (e) {
    view.innerHTML = `<p class="muted">Migration routing is off: no legacy central system is configured (LEGACY_CS_URL). ${esc(e.message)}</p>`;
    return;
  }
  const { divergences } = await api('/api/divergences?limit=50');
  if (location.hash !== '#/migration') return;
  view.innerHTML = `<h2>Migration</h2>
    <div class="cards">${Object.entries(overview.routes)
      .map(
        ([r, n]) => `<div class="card route-count"><h3>${esc(r)}</h3><span class="big">${esc(n)}</span> chargers</div>`,
      )
      .join('')}
      <div class="card"><h3>shadow backlog</h3><span class="big">${esc(overview.shadowBacklog)}</span> chargers with copies waiting</div></div>
    <h3>Divergent chargers <span class="muted">(last 24 hours)</span></h3>
    ${overview.divergent.length === 0 ? '<p class="muted">None.</p>' : `<table id="divergent"><tr><th>charger</th><th>route</th><th>divergences</th></tr>${overview.divergent.map((d) => `<tr><td><a href="#/charger/${encodeURIComponent(d.identity)}">${esc(d.identity)}</a></td><td>${esc(d.route)}</td><td class="bad">${esc(d.divergences24h)}</td></tr>`).join('')}</table>`}
    <h3>Cut over a batch</h3>
    <form id="batch"><textarea id="batch-ids" rows="3" cols="60" placeholder="charger identities, one per line"></textarea><br>
      <select id="batch-route">${ROUTES.map((r) => `<option>${esc(r)}</option>`).join('')}</select> <input id="batch-reason" placeholder="reason (logged)"> <button>Change routes</button></form>
    <p id="batch-result" class="muted"></p>
    <h3>Recent divergences</h3>${divergenceTable(divergences, true)}`;
  document.getElementById('batch').addEventListener('submit', async (e) => {
    e.preventDefault();
    const identities = document.getElementById('batch-ids').value.split(/\s+/).filter(Boolean);
    const body = {
      identities,
      route: document.getElementById('batch-route').value,
      reason: document.getElementById('batch-reason').value,
    };
    const out = document.getElementById('batch-result');
    try {
      const result = await api('/api/routes', { method: 'POST', body: JSON.stringify(body) });
      out.textContent = `${result.changed.length} changed to ${result.route}, ${result.unchanged.length} already there`;
    } catch (err) {
      out.textContent = `refused: ${err.message}`;
    }
  });
}
