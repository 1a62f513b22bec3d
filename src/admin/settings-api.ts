import express, { type Request, type Response, Router } from 'express';
import type { RawSettings } from '../config/charger-settings.js';
import { type FleetSettings, SettingsError, type SettingsView } from '../state/fleet-settings.js';
import type { Logger } from '../util/log.js';
import { actorOf } from './auth.js';
import {
  exportCsv,
  exportEntries,
  IMPORT_MAX_BYTES,
  ImportError,
  type ImportRow,
  csvRows,
  jsonRows,
  planImport,
} from './settings-transfer.js';

/**
 * The fleet's settings on the admin port (README.md, "Adding and changing chargers"): one charger's settings (GET,
 * PUT, PATCH, DELETE = retire), the fleet's with filters, import and export, and the audit trail. Every write is
 * validated as the configuration file is and audited with who made it.
 */
export interface SettingsApiDependencies {
  settings: FleetSettings;
  logger: Logger;
  /** Closes a retired charger's CSMS connection on this instance (other instances close theirs on the notice). */
  retired(identity: string): void;
}

const pageOf = (req: Request, max = 1000, fallback = 100) => ({
  offset: Math.max(0, Number(req.query.offset ?? 0) || 0),
  limit: Math.max(1, Math.min(max, Number(req.query.limit ?? fallback) || fallback)),
});

const truthy = (v: unknown) => v === '1' || v === 'true';

function sendError(res: Response, err: unknown): void {
  if (err instanceof SettingsError || err instanceof ImportError)
    return void res.status(err.status).json({ error: err.message, problems: err.problems });
  throw err;
}

/** A settings body: a JSON object of setting names (a `settings` wrapper is taken too). */
function bodyOf(req: Request): RawSettings | undefined {
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const wrapped = (body as { settings?: unknown }).settings;
  return (wrapped && typeof wrapped === 'object' ? wrapped : body) as RawSettings;
}

/** Mounted before the admin port's 16 KiB JSON parser: the import takes up to IMPORT_MAX_BYTES of CSV or JSON. */
export function settingsImportApi(deps: SettingsApiDependencies): Router {
  const api = Router();
  api.post(
    '/chargers/import',
    express.text({ type: 'text/csv', limit: IMPORT_MAX_BYTES }),
    express.json({ limit: IMPORT_MAX_BYTES }),
    async (req, res) => {
      try {
        const rows: ImportRow[] = typeof req.body === 'string' ? csvRows(req.body) : jsonRows(req.body);
        const actor = actorOf(req);
        const plan = planImport(deps.settings, rows, actor);
        const changes = plan
          .map((c, i) => ({ ...rows[i]?.where, identity: c.identity, kind: c.kind, changedKeys: c.changedKeys }))
          .filter((c) => c.kind !== 'unchanged');
        const summary = {
          rows: rows.length,
          create: changes.filter((c) => c.kind === 'create').length,
          update: changes.filter((c) => c.kind === 'update').length,
          unchanged: plan.length - changes.length,
        };
        if (truthy(req.query.dryRun)) return void res.json({ dryRun: true, ...summary, changes });
        await deps.settings.commit(plan, () => 'import', actor);
        res.json({ dryRun: false, ...summary, changes });
      } catch (err) {
        sendError(res, err);
      }
    },
  );
  return api;
}

/** /api/chargers/settings, /api/chargers/:identity/settings, /api/chargers/export and /api/audit. */
export function settingsApi(deps: SettingsApiDependencies): Router {
  const api = Router();
  const { settings } = deps;

  api.get('/chargers/settings', (req, res) => {
    const views = settings
      .identities()
      .map((id) => settings.view(id)!)
      .filter(matches(req.query));
    const { offset, limit } = pageOf(req, 5000, 200);
    res.json({ total: views.length, offset, chargers: views.slice(offset, offset + limit) });
  });

  api.get('/chargers/export', async (req, res) => {
    const withSecrets = truthy(req.query.secrets);
    if (withSecrets)
      await settings.audit([
        { at: new Date().toISOString(), actor: actorOf(req), action: 'export-secrets', detail: 'export with secrets' },
      ]);
    const entries = exportEntries(settings, withSecrets);
    res.set('Cache-Control', 'no-store');
    if (req.query.format === 'csv')
      return void res.type('text/csv').attachment('chargers.csv').send(exportCsv(entries));
    res
      .attachment('chargers.json')
      .json({ exportedAt: new Date().toISOString(), secrets: withSecrets, chargers: entries });
  });

  api.get('/chargers/:identity/settings', (req, res) => {
    const view = settings.view(req.params.identity);
    if (!view) return void res.status(404).json({ error: `no settings for ${req.params.identity}` });
    res.json(view);
  });

  const write = (mode: 'replace' | 'merge') => async (req: Request<{ identity: string }>, res: Response) => {
    const body = bodyOf(req);
    if (!body) return void res.status(400).json({ error: 'expected a JSON object of settings' });
    try {
      const view = await settings.change(req.params.identity, body, { mode, actor: actorOf(req), origin: 'api' });
      res.json(view);
    } catch (err) {
      sendError(res, err);
    }
  };
  api.put('/chargers/:identity/settings', write('replace'));
  api.patch('/chargers/:identity/settings', write('merge'));

  api.delete('/chargers/:identity/settings', async (req, res) => {
    const reason = typeof req.query.reason === 'string' ? req.query.reason : undefined;
    try {
      const view = await settings.retire(req.params.identity, actorOf(req), reason);
      deps.retired(req.params.identity);
      deps.logger.warn(
        { chargeBoxIdentity: req.params.identity, reason },
        `charger ${req.params.identity} retired by an operator: its messages are refused from now on`,
      );
      res.json(view);
    } catch (err) {
      sendError(res, err);
    }
  });

  api.get('/audit', async (req, res) => {
    const identity = typeof req.query.identity === 'string' ? req.query.identity : undefined;
    const page = pageOf(req);
    res.json({ ...page, ...(await settings.store.audit({ identity, ...page })) });
  });
  return api;
}

/** The listing's filters: q (identity text), origin, retired, and any setting by its value. */
function matches(query: Request['query']): (view: SettingsView) => boolean {
  const q = typeof query.q === 'string' ? query.q.toLowerCase() : '';
  const origin = typeof query.origin === 'string' ? query.origin : undefined;
  const retired = typeof query.retired === 'string' ? truthy(query.retired) : undefined;
  const bySetting = Object.entries(query).filter(
    ([k, v]) => !['q', 'origin', 'retired', 'offset', 'limit'].includes(k) && typeof v === 'string',
  ) as [string, string][];
  return (view) =>
    view.identity.toLowerCase().includes(q) &&
    (origin === undefined || view.origin === origin) &&
    (retired === undefined || (view.retiredAt !== undefined) === retired) &&
    bySetting.every(([k, v]) => String(view.settings[k] ?? '') === v);
}
