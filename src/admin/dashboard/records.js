// The fleet API's records on the dashboard: closed charging sessions and alarms, the data the ChargePoint-style API
// serves to fleet tools (docs/fleet-api.md#on-the-admin-port). Loaded before app.js; uses its helpers (api, esc,
// ago, view) when called. Only shown when the gateway serves the fleet API.
'use strict';

/** Rows shown per table: the newest ones; the CSV export has them all. */
const RECORDS_SHOWN = 200;
const recordFilters = { identity: '' };

const energyCell = (kWh) =>
  kWh === undefined || kWh === null ? '<span class="muted">open or unknown</span>' : `${esc(kWh)} kWh`;

function sessionTable(sessions) {
  if (sessions.length === 0) return '<p class="muted" id="sessions-none">No closed sessions recorded.</p>';
  return `<table id="sessions"><thead><tr><th>session</th><th>charger</th><th>station</th><th>connector</th><th>start</th><th>end</th><th>energy</th></tr></thead>
    <tbody>${sessions
      .map(
        (
          s,
        ) => `<tr class="session"><td>${esc(s.sessionId)}</td><td><a href="#/charger/${encodeURIComponent(s.identity)}">${esc(s.identity)}</a></td>
        <td>${esc(s.stationId ?? '')}</td><td>${esc(s.connectorId)}</td><td title="${esc(s.start)}">${esc(new Date(s.start).toLocaleString())}</td>
        <td>${s.end ? esc(new Date(s.end).toLocaleString()) : ''}</td><td class="energy">${energyCell(s.energyKWh)}</td></tr>`,
      )
      .join('')}</tbody></table>`;
}

function alarmTable(alarms) {
  if (alarms.length === 0) return '<p class="muted" id="alarms-none">No alarms recorded.</p>';
  return `<table id="alarms"><thead><tr><th>when</th><th>charger</th><th>connector</th><th>alarm</th><th>cleared</th></tr></thead>
    <tbody>${alarms
      .map(
        (
          a,
        ) => `<tr class="alarm"><td title="${esc(a.at)}">${ago(a.at)}</td><td><a href="#/charger/${encodeURIComponent(a.identity)}">${esc(a.identity)}</a></td>
        <td>${esc(a.connectorId)}</td><td class="${a.cleared ? '' : 'bad'}">${esc(a.type)}</td>
        <td>${a.cleared ? `${ago(a.cleared.at)}${a.cleared.reason ? `: ${esc(a.cleared.reason)}` : ''}` : ''}</td></tr>`,
      )
      .join('')}</tbody></table>`;
}

async function renderRecords() {
  const query = new URLSearchParams({
    limit: String(RECORDS_SHOWN),
    ...(recordFilters.identity ? { identity: recordFilters.identity } : {}),
  });
  const [sessions, alarms] = await Promise.all([api(`/api/sessions?${query}`), api(`/api/alarms?${query}`)]);
  if (location.hash !== '#/records') return;
  view.innerHTML = `
    <div class="filters">
      <input id="r-identity" placeholder="charger identity" value="${esc(recordFilters.identity)}">
      <a id="sessions-csv" href="/api/sessions?format=csv${recordFilters.identity ? `&identity=${encodeURIComponent(recordFilters.identity)}` : ''}">sessions as CSV</a>
    </div>
    <h3>Sessions <span class="muted">(${esc(sessions.total)} closed; newest ${RECORDS_SHOWN} shown)</span></h3>
    ${sessionTable(sessions.sessions)}
    <h3>Alarms <span class="muted">(${esc(alarms.total)}; newest ${RECORDS_SHOWN} shown)</span></h3>
    ${alarmTable(alarms.alarms)}`;
  document.getElementById('r-identity').addEventListener('change', (e) => {
    recordFilters.identity = e.target.value.trim();
    renderRecords();
  });
}
