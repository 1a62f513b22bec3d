// Charger settings on the dashboard: the fleet's settings table with filters, and a form per charger. The form is
// built from the settings schema of /api/openapi.json (the schema the configuration file is checked with), so every
// setting the API takes has a field. Loaded before app.js; uses its helpers (api, esc, ago, view, route) when called.
'use strict';

const settingsFilters = { q: '', origin: '', retired: '' };
let settingsSchema;

/** The settings schema's properties (enum -> select, boolean -> checkbox, writeOnly -> password), read once. */
async function loadSettingsSchema() {
  settingsSchema ??= (await api('/api/openapi.json')).components.schemas.ChargerSettings.properties;
  return settingsSchema;
}

/** #/settings and #/settings/<identity>: this file's pages (app.js routes here). */
function renderSettingsPage() {
  const m = /^#\/settings\/(.+)$/.exec(location.hash);
  return m ? renderChargerSettings(decodeURIComponent(m[1])) : renderSettingsTable();
}

const settingsSummary = (s) =>
  ['csmsProtocol', 'route', 'dialect', 'idTokenType']
    .filter((k) => s[k] !== undefined)
    .map((k) => `${k}: ${esc(s[k])}`)
    .join('<br>');

async function renderSettingsTable() {
  const params = new URLSearchParams({ limit: '500' });
  for (const [k, v] of Object.entries(settingsFilters)) if (v) params.set(k, v);
  const data = await api(`/api/chargers/settings?${params}`);
  if (location.hash !== '#/settings') return;
  view.innerHTML = `
    <h2>Charger settings</h2>
    <div class="filters">
      <input id="s-q" placeholder="filter by identity" value="${esc(settingsFilters.q)}">
      <select id="s-origin"><option value="">any origin</option><option value="yaml">file (yaml)</option><option value="api">api</option><option value="import">import</option><option value="approved">approved</option></select>
      <select id="s-retired"><option value="">active and retired</option><option value="false">active</option><option value="true">retired</option></select>
      <span class="muted" id="s-total">${esc(data.total)} chargers${data.total > data.chargers.length ? `, the first ${data.chargers.length} shown` : ''}</span>
      <form id="s-add"><input id="s-new" placeholder="new charger identity" required> <button>Add…</button></form>
      <a href="/api/chargers/export?format=csv">Export CSV</a>
    </div>
    <table id="settings-table"><thead><tr><th>charger</th><th>origin</th><th>set in the file</th><th>settings</th><th>last change</th><th>state</th></tr></thead>
    <tbody>${data.chargers
      .map(
        (
          c,
        ) => `<tr class="settings-row" data-id="${esc(c.identity)}"><td><a href="#/settings/${encodeURIComponent(c.identity)}">${esc(c.identity)}</a></td>
        <td class="origin">${esc(c.origin)}</td><td>${esc(c.fileKeys.join(', '))}</td><td>${settingsSummary(c.settings)}</td>
        <td>${c.updatedAt ? `${ago(c.updatedAt)}<br><span class="muted">${esc(c.updatedBy)}</span>` : '<span class="muted">file</span>'}</td>
        <td class="state">${c.retiredAt ? `<span class="bad">retired ${ago(c.retiredAt)}</span>` : c.settings.allow === false ? '<span class="bad">not allowed</span>' : '<span class="ok">served</span>'}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  document.getElementById('s-origin').value = settingsFilters.origin;
  document.getElementById('s-retired').value = settingsFilters.retired;
  for (const [id, key] of [
    ['s-q', 'q'],
    ['s-origin', 'origin'],
    ['s-retired', 'retired'],
  ])
    document.getElementById(id).addEventListener('change', (e) => {
      settingsFilters[key] = e.target.value;
      renderSettingsTable();
    });
  document.getElementById('s-add').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/settings/${encodeURIComponent(document.getElementById('s-new').value.trim())}`;
  });
}

/** One field of the form: the file's value shown and locked, a password never filled in. */
function settingField(name, schema, current, fromFile) {
  const value = current[name];
  const locked = fromFile ? ' disabled title="set in the configuration file, which wins"' : '';
  const id = `set-${name}`;
  const note = fromFile ? ' <span class="muted">(file)</span>' : '';
  if (schema.writeOnly) {
    const placeholder = value === undefined ? 'not set' : 'set: type to replace';
    return `<label for="${id}">${esc(name)}${note}</label><span><input id="${id}" name="${esc(name)}" type="password" autocomplete="new-password" placeholder="${placeholder}"${locked}>
      ${value !== undefined && !fromFile ? `<label class="inline"><input type="checkbox" data-clear="${esc(name)}"> remove</label>` : ''}</span>`;
  }
  const options = schema.enum ?? schema.anyOf?.find((s) => s.enum)?.enum;
  if (options)
    return `<label for="${id}">${esc(name)}${note}</label><select id="${id}" name="${esc(name)}"${locked}><option value="">${schema.default !== undefined ? `default (${esc(schema.default)})` : 'not set'}</option>
      ${options.map((o) => `<option ${o === value ? 'selected' : ''}>${esc(o)}</option>`).join('')}</select>`;
  if (schema.type === 'boolean')
    return `<label for="${id}">${esc(name)}${note}</label><input id="${id}" name="${esc(name)}" type="checkbox" ${(value ?? schema.default) ? 'checked' : ''}${locked}>`;
  const text =
    value === undefined
      ? ''
      : Array.isArray(value)
        ? value.join(' ')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : value;
  return `<label for="${id}">${esc(name)}${note}</label><input id="${id}" name="${esc(name)}" value="${esc(text)}"${locked}>`;
}

/** The form's values as a PUT body: empty fields left out (unset), unchanged defaults left out, passwords only when typed. */
function formSettings(form, schema, fileKeys) {
  const body = {};
  for (const [name, s] of Object.entries(schema)) {
    if (fileKeys.includes(name)) continue;
    const field = form.elements.namedItem(name);
    if (!field) continue;
    if (s.writeOnly) {
      if (field.value) body[name] = field.value;
      else if (form.querySelector(`[data-clear="${name}"]`)?.checked) body[name] = null;
    } else if (s.type === 'boolean') {
      if (field.checked !== (s.default ?? false)) body[name] = field.checked;
    } else if (field.value.trim() !== '') {
      const v = field.value.trim();
      body[name] = s.anyOf?.some((x) => x.type === 'array')
        ? v.split(/[\s,]+/)
        : s.type === 'object'
          ? JSON.parse(v)
          : v;
    }
  }
  return body;
}

async function renderChargerSettings(identity) {
  const schema = await loadSettingsSchema();
  const found = await api(`/api/chargers/${encodeURIComponent(identity)}/settings`).catch(() => undefined);
  const current = found ?? { identity, origin: 'new', fileKeys: [], settings: {} };
  if (location.hash !== `#/settings/${encodeURIComponent(identity)}`) return;
  const fields = Object.entries(schema)
    .map(([name, s]) => settingField(name, s, current.settings, current.fileKeys.includes(name)))
    .join('');
  view.innerHTML = `
    <h2 id="settings-title">${esc(identity)} <span class="muted">settings</span></h2>
    <p>origin <b id="settings-origin">${esc(current.origin)}</b>${current.updatedAt ? `, changed ${ago(current.updatedAt)} by ${esc(current.updatedBy)}` : ''}
      ${current.retiredAt ? `<span class="bad"> · retired ${ago(current.retiredAt)}: saving serves it again</span>` : ''}
      · <a href="#/charger/${encodeURIComponent(identity)}">status</a> · <a href="#/settings">all chargers</a></p>
    <form id="settings-form" class="settings-form">${fields}
      <span></span><span><button id="settings-save">Save</button> ${found && !current.retiredAt ? '<button type="button" id="settings-retire">Retire…</button>' : ''}</span></form>
    <p id="settings-result"></p>
    <h3>Changes</h3><table id="settings-audit"><thead><tr><th>when</th><th>action</th><th>by</th><th>after</th></tr></thead><tbody></tbody></table>`;
  const result = document.getElementById('settings-result');
  const form = document.getElementById('settings-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = formSettings(form, schema, current.fileKeys);
      await saveSettings(identity, body);
      renderChargerSettings(identity);
    } catch (err) {
      result.className = 'bad';
      result.textContent = err.message;
    }
  });
  document.getElementById('settings-retire')?.addEventListener('click', async () => {
    const reason = prompt(`Why retire ${identity}? Its messages will be refused from now on. (audited)`);
    if (!reason?.trim()) return;
    await api(`/api/chargers/${encodeURIComponent(identity)}/settings?reason=${encodeURIComponent(reason)}`, {
      method: 'DELETE',
    }).catch((err) => alert(err.message));
    renderChargerSettings(identity);
  });
  const audit = await api(`/api/audit?identity=${encodeURIComponent(identity)}&limit=20`);
  document.querySelector('#settings-audit tbody').innerHTML = audit.records
    .map(
      (r) =>
        `<tr class="audit-row"><td title="${esc(r.at)}">${ago(r.at)}</td><td>${esc(r.action)}</td><td>${esc(r.actor)}</td><td><code>${esc(JSON.stringify(r.after ?? null))}</code></td></tr>`,
    )
    .join('');
}

/** PUT with the problems of a refusal spelled out, field by field. */
async function saveSettings(identity, body) {
  const res = await fetch(`/api/chargers/${encodeURIComponent(identity)}/settings`, {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok)
    throw new Error(
      answer.problems
        ? answer.problems.map((p) => `${p.field}: ${p.message}`).join('; ')
        : answer.error || res.statusText,
    );
  return answer;
}
