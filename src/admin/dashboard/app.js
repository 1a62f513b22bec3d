// The gateway's operator dashboard: plain browser JavaScript, served as files by the gateway (no build step).
'use strict';

const view = document.getElementById('view');
const esc = (s) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const ago = (iso) => {
  if (!iso) return '<span class="muted">never</span>';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : new Date(iso).toLocaleString();
};

// The browser is logged in by a session cookie (HttpOnly): the token is typed into the login form once, or given once
// as ?token= on the entry URL, which the gateway exchanges for a session and removes from the address bar. This page
// never stores or forwards the token.
async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
  });
  if (res.status === 401) {
    document.getElementById('login').hidden = false;
    throw new Error('admin token required');
  }
  document.getElementById('login').hidden = true;
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

document.getElementById('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const field = document.getElementById('token');
  const res = await fetch('/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: field.value }),
  });
  field.value = '';
  if (res.ok) route();
  else document.getElementById('login-error').hidden = false;
});

const upstreamCell = (u) =>
  u.ownedHere
    ? u.state === 'open'
      ? '<span class="ok">open</span>'
      : `<span class="bad">${esc(u.state)}</span>`
    : '<span class="muted">other instance</span>';
const callbackCell = (s) =>
  s.callbackUrl
    ? `${esc(s.callbackUrl)} <span class="muted">(${esc(s.callbackSource)})</span>`
    : '<span class="bad">none usable</span>';

// Dead letters: stored messages the CSMS kept refusing past the redelivery bound; an operator replays or drops each,
// with a reason that the gateway logs.
const pre = (label, text) =>
  text ? `<div><div class="muted">${label}</div><pre>${esc(text)}</pre></div>` : '<div></div>';

function deadLetterTable(letters, { withCharger }) {
  if (letters.length === 0) return '<p class="muted" id="dead-letters-none">No dead letters.</p>';
  return `<table class="dead-letters"><thead><tr>${withCharger ? '<th>charger</th>' : ''}<th>operation</th><th>died</th><th>attempts</th><th>first refused</th><th>the CSMS's last answer</th><th></th></tr></thead>
    <tbody>${letters
      .map(
        (
          d,
        ) => `<tr class="dead-letter" data-id="${esc(d.id)}">${withCharger ? `<td><a href="#/charger/${encodeURIComponent(d.identity)}">${esc(d.identity)}</a></td>` : ''}
        <td>${esc(d.action)}</td><td title="${esc(d.deadAt)}">${ago(d.deadAt)}</td><td>${esc(d.attempts)}</td><td title="${esc(d.firstRejectedAt)}">${ago(d.firstRejectedAt)}</td>
        <td><span class="bad">${esc(d.reason)}</span><details><summary class="muted">message</summary><pre>${esc(JSON.stringify(d.message, null, 2))}</pre></details></td>
        <td class="actions"><button data-dl-action="replay" data-id="${esc(d.id)}" data-identity="${esc(d.identity)}" data-operation="${esc(d.action)}">Replay…</button>
        <button data-dl-action="drop" data-id="${esc(d.id)}" data-identity="${esc(d.identity)}" data-operation="${esc(d.action)}">Drop…</button></td></tr>`,
      )
      .join('')}</tbody></table>`;
}

/** Replay or drop one dead letter after asking why (the reason is required and logged), then reload the view. */
async function deadLetterAction(button) {
  const { dlAction: action, id, identity, operation } = button.dataset;
  const reason = prompt(
    action === 'replay'
      ? `Why replay this ${operation} of ${identity} to the CSMS? (logged)`
      : `Why drop this ${operation} of ${identity} for good? (logged)`,
  );
  if (!reason?.trim()) return;
  try {
    await api(`/api/dead-letters/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      body: JSON.stringify({ reason }),
    });
  } catch (e) {
    alert(`${action} failed: ${e.message}`);
  }
  route();
}

const bindDeadLetterButtons = () => {
  for (const b of view.querySelectorAll('button[data-dl-action]'))
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      deadLetterAction(b);
    });
};

/** The dead letters, or an error shown in their panel (the gateway may still be starting) without failing the page. */
const loadDeadLetters = (identity) =>
  api(`/api/dead-letters${identity ? `?identity=${encodeURIComponent(identity)}` : ''}`).catch((e) => ({
    error: e.message,
    deadLetters: [],
  }));
const deadLetterPanel = (dl, options) =>
  dl.error ? `<p class="bad">dead letters unavailable: ${esc(dl.error)}</p>` : deadLetterTable(dl.deadLetters, options);

const filters = { q: '', upstream: '', stuck: false };

async function renderFleet() {
  const params = new URLSearchParams({
    q: filters.q,
    ...(filters.upstream ? { upstream: filters.upstream } : {}),
    ...(filters.stuck ? { stuck: 'true' } : {}),
  });
  const [data, dead] = await Promise.all([api(`/api/chargers?${params}`), loadDeadLetters()]);
  // The operator moved to another page while the data loaded.
  if (!location.hash.startsWith('#/') || /^#\/(charger\/|settings)/.test(location.hash) || PAGES[location.hash]) return;
  view.innerHTML = `
    <div class="filters">
      <input id="f-q" placeholder="filter by identity" value="${esc(filters.q)}">
      <select id="f-up"><option value="">any upstream</option><option value="open">upstream open</option><option value="down">upstream not open</option></select>
      <label><input id="f-stuck" type="checkbox" ${filters.stuck ? 'checked' : ''}> queued, unreachable or dead letters only</label>
      <span class="muted">${data.total} chargers</span>
    </div>
    <table id="fleet"><thead><tr><th>charger</th><th>last SOAP contact</th><th>last message</th><th>callback URL</th><th>upstream</th><th>registration</th><th>connectors (charger → CSMS)</th><th>open tx</th><th>queued</th><th>dead letters</th>${routingHeader(data.chargers)}</tr></thead>
    <tbody>${data.chargers
      .map(
        (
          c,
        ) => `<tr class="row" data-id="${esc(c.identity)}"><td><a href="#/charger/${encodeURIComponent(c.identity)}">${esc(c.identity)}</a></td>
        <td>${ago(c.soap.lastContact)}</td><td>${esc(c.soap.lastAction)}<br><span class="muted">${esc(c.soap.dialect ?? '')}</span></td><td>${callbackCell(c.soap)}</td><td>${upstreamCell(c.upstream)}</td>
        <td>${esc(c.registration ?? '')}</td><td>${c.connectors.map((k) => `${k.connectorId}: ${esc(k.chargerStatus ?? '?')} → ${esc(k.csmsStatus ?? '?')}`).join('<br>')}</td>
        <td>${c.openTransactions.length}</td><td class="${c.queued > 0 ? 'bad' : ''}">${c.queued}</td>
        <td class="dead-count ${c.deadLetters > 0 ? 'bad' : ''}">${esc(c.deadLetters ?? 0)}</td>${routingCells(c)}</tr>`,
      )
      .join('')}</tbody></table>
    <section id="dead-letters">
      <h3>Dead letters <span class="muted">(${dead.error ? '?' : esc(dead.total)}; stored messages the CSMS kept refusing: replay once it accepts them, or drop)</span></h3>
      ${deadLetterPanel(dead, { withCharger: true })}
    </section>`;
  document.getElementById('f-up').value = filters.upstream;
  document.getElementById('f-q').addEventListener('change', (e) => {
    filters.q = e.target.value;
    renderFleet();
  });
  document.getElementById('f-up').addEventListener('change', (e) => {
    filters.upstream = e.target.value;
    renderFleet();
  });
  document.getElementById('f-stuck').addEventListener('change', (e) => {
    filters.stuck = e.target.checked;
    renderFleet();
  });
  for (const row of document.querySelectorAll('tr.row'))
    row.addEventListener('click', () => (location.hash = `#/charger/${encodeURIComponent(row.dataset.id)}`));
  bindDeadLetterButtons();
}

async function renderCharger(id) {
  const [c, trace, dead, timeline] = await Promise.all([
    api(`/api/chargers/${encodeURIComponent(id)}`),
    api(`/api/chargers/${encodeURIComponent(id)}/trace?limit=30`),
    loadDeadLetters(id),
    loadTimeline(id),
  ]);
  const migration = await routingSection(c);
  if (location.hash !== `#/charger/${encodeURIComponent(id)}`) return;
  view.innerHTML = `
    <h2 id="charger-title">${esc(c.identity)}</h2>
    <div class="cards">
      <div class="card"><h3>SOAP side</h3>last contact ${ago(c.soap.lastContact)} (${esc(c.soap.lastAction)})<br>dialect: <span class="dialect">${esc(c.soap.dialect ?? 'not heard yet')}</span><br>callback: ${callbackCell(c.soap)}<br>from ${esc(c.soap.remoteAddress)}${c.soap.pinnedSource ? `, pinned to ${esc(c.soap.pinnedSource)}` : ''}
        ${c.upstream.refusal ? `<br><span class="bad">the CSMS refuses this identity (HTTP ${esc(c.upstream.refusal.status)} since ${ago(c.upstream.refusal.at)}): its messages are answered 503</span>` : ''}</div>
      <div class="card"><h3>Callback changes</h3><table id="callback-history"><tr><th>when</th><th>new address</th><th>previous</th><th>header, sender</th></tr>
        ${(c.soap.callbackHistory ?? []).map((h) => `<tr><td>${ago(h.at)}</td><td>${esc(h.url)}</td><td>${esc(h.previous ?? '')}</td><td>${esc(h.source)}, ${esc(h.remoteAddress ?? '?')}</td></tr>`).join('') || '<tr><td colspan="4" class="muted">none recorded</td></tr>'}</table></div>
      <div class="card"><h3>CSMS side</h3>WebSocket ${upstreamCell(c.upstream)} ${c.upstream.connectedAt ? `since ${ago(c.upstream.connectedAt)}` : ''}<br>
        reconnects ${c.upstream.reconnects ?? 0}${c.upstream.lastError ? `<br><span class="bad">${esc(c.upstream.lastError.message)}</span>` : ''}<br>registration ${esc(c.registration ?? 'unknown')}, heartbeat ${esc(c.heartbeatInterval ?? '?')} s
        <br><button id="reconnect">Reconnect upstream</button></div>
      <div class="card"><h3>Last BootNotification</h3>${c.lastBoot ? `${ago(c.lastBoot.at)}: ${esc(c.lastBoot.request.chargePointVendor)} ${esc(c.lastBoot.request.chargePointModel)} ${esc(c.lastBoot.request.firmwareVersion ?? '')} → ${esc(c.lastBoot.csmsStatus)}` : '<span class="muted">none since the gateway started</span>'}</div>
      <div class="card"><h3>Queue</h3><span class="${c.queued ? 'bad' : ''}">${c.queued} queued</span> <button id="drop">Drop queued…</button>
        <br><span class="${c.deadLetters ? 'bad' : ''}">${esc(c.deadLetters ?? 0)} dead letters</span></div>
    </div>
    ${migration}
    ${timelineSection(timeline)}
    <section id="charger-dead-letters">
      <h3>Dead letters <span class="muted">(messages of this charger the CSMS kept refusing)</span></h3>
      ${deadLetterPanel(dead, { withCharger: false })}
    </section>
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
        (
          r,
        ) => `<tr class="trace-row"><td>${new Date(r.at).toLocaleTimeString()}</td><td>${r.direction === 'charger_to_csms' ? 'charger → CSMS' : 'CSMS → charger'}</td><td>${esc(r.action)}</td><td>${esc(r.outcome ?? r.httpStatus ?? '')}</td></tr>
        <tr><td colspan="4"><div class="pair"><div>${pre('SOAP request', r.soapRequest)}${pre('SOAP response', r.soapResponse)}</div><div>${pre('OCPP-J CALL', r.ocppCall)}${pre('OCPP-J answer', r.ocppResult)}</div></div></td></tr>`,
      )
      .join('')}</tbody></table>`;
  document.getElementById('reconnect').addEventListener('click', async () =>
    alert(
      JSON.stringify(
        await api(`/api/chargers/${encodeURIComponent(id)}/reconnect`, { method: 'POST' }).catch((e) => ({
          error: e.message,
        })),
      ),
    ),
  );
  document.getElementById('drop').addEventListener('click', async () => {
    const reason = prompt("Why drop this charger's queued messages? (logged)");
    if (reason)
      alert(
        JSON.stringify(
          await api(`/api/chargers/${encodeURIComponent(id)}/queued/drop`, {
            method: 'POST',
            body: JSON.stringify({ reason }),
          }),
        ),
      );
  });
  bindDeadLetterButtons();
  bindRouteChange(id);
}

/** Pages of their own, each rendered by its script (migration.js, pending.js, records.js); fleet.js has #/settings. */
const PAGES = {
  '#/migration': () => renderMigration(),
  '#/pending': () => renderPending(),
  '#/records': () => renderRecords(),
};

function route() {
  const m = /^#\/charger\/(.+)$/.exec(location.hash);
  const settings = location.hash.startsWith('#/settings');
  showFleetCharts(!m && !settings && !PAGES[location.hash]);
  const page = m
    ? renderCharger(decodeURIComponent(m[1]))
    : settings
      ? renderSettingsPage() // fleet.js
      : (PAGES[location.hash] ?? renderFleet)();
  page.catch((e) => (view.innerHTML = `<p class="bad">${esc(e.message)}</p>`));
}
window.addEventListener('hashchange', route);
if (!location.hash) location.hash = '#/';
route();
// Live, except while the operator is using a control on the page (a route select, the batch form), and the settings
// pages, which hold a form being filled in.
setInterval(() => {
  if (!/^#\/(migration$|settings)/.test(location.hash) && !view.contains(document.activeElement)) route();
}, 3000);
