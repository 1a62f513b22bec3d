// The gateway's operator dashboard: plain browser JavaScript, served as files by the gateway (no build step).
'use strict';

const view = document.getElementById('view');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const ago = (iso) => {
  if (!iso) return '<span class="muted">never</span>';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : new Date(iso).toLocaleString();
};

// A token passed as #token=... (or typed in) is kept in this browser only.
const hashToken = /token=([^&]+)/.exec(location.hash);
if (hashToken) {
  localStorage.setItem('ocppgw-token', decodeURIComponent(hashToken[1]));
  location.hash = '#/';
}
const token = () => localStorage.getItem('ocppgw-token') || '';
for (const id of ['queues-link', 'metrics-link']) {
  const a = document.getElementById(id);
  a.addEventListener('click', () => { if (token()) a.href = `${a.getAttribute('href').split('?')[0]}?token=${encodeURIComponent(token())}`; });
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { 'Content-Type': 'application/json', ...(token() ? { Authorization: `Bearer ${token()}` } : {}) } });
  if (res.status === 401) {
    document.getElementById('login').hidden = false;
    throw new Error('admin token required');
  }
  document.getElementById('login').hidden = true;
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

document.getElementById('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem('ocppgw-token', document.getElementById('token').value);
  route();
});

const upstreamCell = (u) =>
  u.ownedHere ? (u.state === 'open' ? '<span class="ok">open</span>' : `<span class="bad">${esc(u.state)}</span>`) : '<span class="muted">other instance</span>';
const callbackCell = (s) => (s.callbackUrl ? `${esc(s.callbackUrl)} <span class="muted">(${esc(s.callbackSource)})</span>` : '<span class="bad">none usable</span>');

const filters = { q: '', upstream: '', stuck: false };

async function renderFleet() {
  const params = new URLSearchParams({ q: filters.q, ...(filters.upstream ? { upstream: filters.upstream } : {}), ...(filters.stuck ? { stuck: 'true' } : {}) });
  const data = await api(`/api/chargers?${params}`);
  if (!location.hash.startsWith('#/') || location.hash.startsWith('#/charger/')) return;
  view.innerHTML = `
    <div class="filters">
      <input id="f-q" placeholder="filter by identity" value="${esc(filters.q)}">
      <select id="f-up"><option value="">any upstream</option><option value="open">upstream open</option><option value="down">upstream not open</option></select>
      <label><input id="f-stuck" type="checkbox" ${filters.stuck ? 'checked' : ''}> queued or unreachable only</label>
      <span class="muted">${data.total} chargers</span>
    </div>
    <table id="fleet"><thead><tr><th>charger</th><th>last SOAP contact</th><th>last message</th><th>callback URL</th><th>upstream</th><th>registration</th><th>connectors (charger → CSMS)</th><th>open tx</th><th>queued</th></tr></thead>
    <tbody>${data.chargers
      .map(
        (c) => `<tr class="row" data-id="${esc(c.identity)}"><td><a href="#/charger/${encodeURIComponent(c.identity)}">${esc(c.identity)}</a></td>
        <td>${ago(c.soap.lastContact)}</td><td>${esc(c.soap.lastAction)}</td><td>${callbackCell(c.soap)}</td><td>${upstreamCell(c.upstream)}</td>
        <td>${esc(c.registration ?? '')}</td><td>${c.connectors.map((k) => `${k.connectorId}: ${esc(k.chargerStatus ?? '?')} → ${esc(k.csmsStatus ?? '?')}`).join('<br>')}</td>
        <td>${c.openTransactions.length}</td><td class="${c.queued > 0 ? 'bad' : ''}">${c.queued}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  document.getElementById('f-up').value = filters.upstream;
  document.getElementById('f-q').addEventListener('change', (e) => { filters.q = e.target.value; renderFleet(); });
  document.getElementById('f-up').addEventListener('change', (e) => { filters.upstream = e.target.value; renderFleet(); });
  document.getElementById('f-stuck').addEventListener('change', (e) => { filters.stuck = e.target.checked; renderFleet(); });
  for (const row of document.querySelectorAll('tr.row')) row.addEventListener('click', () => (location.hash = `#/charger/${encodeURIComponent(row.dataset.id)}`));
}

const pre = (label, text) => (text ? `<div><div class="muted">${label}</div><pre>${esc(text)}</pre></div>` : '<div></div>');

async function renderCharger(id) {
  const [c, trace] = await Promise.all([api(`/api/chargers/${encodeURIComponent(id)}`), api(`/api/chargers/${encodeURIComponent(id)}/trace?limit=30`)]);
  if (location.hash !== `#/charger/${encodeURIComponent(id)}`) return;
  view.innerHTML = `
    <h2 id="charger-title">${esc(c.identity)}</h2>
    <div class="cards">
      <div class="card"><h3>SOAP side</h3>last contact ${ago(c.soap.lastContact)} (${esc(c.soap.lastAction)})<br>callback: ${callbackCell(c.soap)}<br>from ${esc(c.soap.remoteAddress)}</div>
      <div class="card"><h3>CSMS side</h3>WebSocket ${upstreamCell(c.upstream)} ${c.upstream.connectedAt ? `since ${ago(c.upstream.connectedAt)}` : ''}<br>
        reconnects ${c.upstream.reconnects ?? 0}${c.upstream.lastError ? `<br><span class="bad">${esc(c.upstream.lastError.message)}</span>` : ''}<br>registration ${esc(c.registration ?? 'unknown')}, heartbeat ${esc(c.heartbeatInterval ?? '?')} s
        <br><button id="reconnect">Reconnect upstream</button></div>
      <div class="card"><h3>Last BootNotification</h3>${c.lastBoot ? `${ago(c.lastBoot.at)}: ${esc(c.lastBoot.request.chargePointVendor)} ${esc(c.lastBoot.request.chargePointModel)} ${esc(c.lastBoot.request.firmwareVersion ?? '')} → ${esc(c.lastBoot.csmsStatus)}` : '<span class="muted">none since the gateway started</span>'}</div>
      <div class="card"><h3>Queue</h3><span class="${c.queued ? 'bad' : ''}">${c.queued} queued</span> <button id="drop">Drop queued…</button></div>
    </div>
    <div class="cards">
      <div class="card"><h3>Connectors</h3><table id="connectors"><tr><th>#</th><th>as the charger reported it</th><th>as sent to the CSMS</th><th>sent</th></tr>
        ${c.connectors.map((k) => `<tr><td>${k.connectorId}</td><td>${esc(k.chargerStatus ?? '')} ${esc(k.chargerErrorCode ?? '')}</td><td>${esc(k.csmsStatus ?? '')}</td><td>${ago(k.lastSentAt)}</td></tr>`).join('')}</table></div>
      <div class="card"><h3>Open transactions</h3><table><tr><th>id</th><th>connector</th><th>started</th><th>idTag status</th></tr>
        ${c.openTransactions.map((t) => `<tr><td>${t.transactionId}</td><td>${t.connectorId}</td><td>${ago(t.startedAt)}</td><td>${esc(t.idTagStatus)}</td></tr>`).join('') || '<tr><td colspan="4" class="muted">none</td></tr>'}</table></div>
    </div>
    <h3>Message trace <span class="muted">(newest first; SOAP beside the OCPP-J it became)</span></h3>
    <table id="trace"><thead><tr><th>time</th><th>direction</th><th>action</th><th>outcome</th></tr></thead><tbody>
    ${trace.records
      .map(
        (r) => `<tr class="trace-row"><td>${new Date(r.at).toLocaleTimeString()}</td><td>${r.direction === 'charger_to_csms' ? 'charger → CSMS' : 'CSMS → charger'}</td><td>${esc(r.action)}</td><td>${esc(r.outcome ?? r.httpStatus ?? '')}</td></tr>
        <tr><td colspan="4"><div class="pair"><div>${pre('SOAP request', r.soapRequest)}${pre('SOAP response', r.soapResponse)}</div><div>${pre('OCPP-J CALL', r.ocppCall)}${pre('OCPP-J answer', r.ocppResult)}</div></div></td></tr>`,
      )
      .join('')}</tbody></table>`;
  document.getElementById('reconnect').addEventListener('click', async () => alert(JSON.stringify(await api(`/api/chargers/${encodeURIComponent(id)}/reconnect`, { method: 'POST' }).catch((e) => ({ error: e.message })))));
  document.getElementById('drop').addEventListener('click', async () => {
    const reason = prompt('Why drop this charger\'s queued messages? (logged)');
    if (reason) alert(JSON.stringify(await api(`/api/chargers/${encodeURIComponent(id)}/queued/drop`, { method: 'POST', body: JSON.stringify({ reason }) })));
  });
}

function route() {
  const m = /^#\/charger\/(.+)$/.exec(location.hash);
  (m ? renderCharger(decodeURIComponent(m[1])) : renderFleet()).catch((e) => (view.innerHTML = `<p class="bad">${esc(e.message)}</p>`));
}
window.addEventListener('hashchange', route);
if (!location.hash) location.hash = '#/';
route();
setInterval(route, 3000);
