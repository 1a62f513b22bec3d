// Pending chargers on the dashboard (ADMISSION=approve): identities refused for want of a listing, approved or
// rejected with one click, and the decisions taken. Loaded before app.js; uses its helpers (api, esc, ago, view, route).
'use strict';

const pendingPath = (identity, action) => `/api/chargers/pending/${encodeURIComponent(identity)}/${action}`;

const pendingRows = (list) =>
  list
    .map(
      (p) => `<tr class="pending-row" data-id="${esc(p.identity)}"><td>${esc(p.identity)}</td>
        <td>${esc(p.vendor ?? '')} ${esc(p.model ?? '')}</td><td>${esc(p.dialect ?? '')}</td><td>${esc(p.address ?? '')}</td>
        <td title="${esc(p.firstSeen)}">${ago(p.firstSeen)}</td><td title="${esc(p.lastSeen)}">${ago(p.lastSeen)}</td><td>${esc(p.count)}</td>
        <td class="actions"><button data-pending="approve" data-id="${esc(p.identity)}">Approve…</button>
        <button data-pending="reject" data-id="${esc(p.identity)}">Reject…</button></td></tr>`,
    )
    .join('');

const decisionTable = (id, decisions, undo) =>
  decisions.length === 0
    ? `<p class="muted" id="${id}-none">None.</p>`
    : `<table id="${id}"><thead><tr><th>charger</th><th>when</th><th>by</th><th>reason</th><th>settings</th><th></th></tr></thead><tbody>
      ${decisions
        .map(
          (
            d,
          ) => `<tr class="decision" data-id="${esc(d.identity)}"><td>${esc(d.identity)}</td><td title="${esc(d.at)}">${ago(d.at)}</td>
          <td>${esc(d.by)} <span class="muted">from ${esc(d.address)}</span></td><td>${esc(d.reason ?? '')}</td>
          <td>${d.settings ? `<code>${esc(JSON.stringify(d.settings))}</code>` : ''}</td>
          <td class="actions"><button data-undo="${id}" data-id="${esc(d.identity)}">${undo}</button></td></tr>`,
        )
        .join('')}</tbody></table>`;

/** Approve (with the settings typed above the table, if any) or reject one identity, asking why (logged). */
async function pendingAction(button) {
  const { pending: action, id } = button.dataset;
  const body = {};
  if (action === 'approve') {
    const text = document.getElementById('approve-settings').value.trim();
    if (text) {
      try {
        body.settings = JSON.parse(text);
      } catch {
        return alert('The settings are not valid JSON.');
      }
    }
  }
  const reason = prompt(`Why ${action} ${id}? (logged; may stay empty)`);
  if (reason === null) return;
  if (reason.trim()) body.reason = reason;
  try {
    await api(pendingPath(id, action), { method: 'POST', body: JSON.stringify(body) });
    if (action === 'approve') document.getElementById('approve-settings').value = '';
  } catch (e) {
    alert(`${action} failed: ${e.message}`);
  }
  route();
}

/** Revoke an approval or clear a rejection. */
async function undoDecision(button) {
  const kind = button.dataset.undo;
  const what = kind === 'approved' ? 'Revoke the approval of' : 'Clear the rejection of';
  if (!confirm(`${what} ${button.dataset.id}?`)) return;
  try {
    await api(`/api/chargers/pending/${kind}/${encodeURIComponent(button.dataset.id)}`, { method: 'DELETE' });
  } catch (e) {
    alert(`failed: ${e.message}`);
  }
  route();
}

/** #/pending: the pending identities, then the approvals and rejections. */
async function renderPending() {
  let list;
  try {
    list = await api('/api/chargers/pending');
  } catch (e) {
    if (location.hash === '#/pending') view.innerHTML = `<p class="muted" id="pending-off">${esc(e.message)}</p>`;
    return;
  }
  const [approved, rejected] = await Promise.all([
    api('/api/chargers/pending/approved'),
    api('/api/chargers/pending/rejected'),
  ]);
  if (location.hash !== '#/pending') return;
  const settings = document.getElementById('approve-settings')?.value ?? '';
  view.innerHTML = `<h2>Pending chargers <span class="muted">(${esc(list.total)} of at most ${esc(list.max)}; ${esc(list.dropped)} dropped beyond the bound)</span></h2>
    <p class="muted">Identities refused because they are not listed. Approve one to serve it from its next message; a rejected one stays refused and is not listed again.</p>
    <details id="approve-settings-box" ${settings ? 'open' : ''}><summary>Settings for the next approval (JSON, optional)</summary>
      <textarea id="approve-settings" rows="3" cols="70" placeholder='{"soapPassword": "...", "pinSource": true}'>${esc(settings)}</textarea></details>
    ${
      list.pending.length === 0
        ? '<p class="muted" id="pending-none">No pending chargers.</p>'
        : `<table id="pending"><thead><tr><th>charger</th><th>vendor, model</th><th>dialect</th><th>address</th><th>first seen</th><th>last seen</th><th>messages</th><th></th></tr></thead>
      <tbody>${pendingRows(list.pending)}</tbody></table>`
    }
    <h3>Approved</h3>${decisionTable('approved', approved.decisions, 'Revoke…')}
    <h3>Rejected</h3>${decisionTable('rejected', rejected.decisions, 'Clear…')}`;
  for (const b of view.querySelectorAll('button[data-pending]')) b.addEventListener('click', () => pendingAction(b));
  for (const b of view.querySelectorAll('button[data-undo]')) b.addEventListener('click', () => undoDecision(b));
}
