import { Router } from 'express';
import type { FleetRecords, SessionRecord } from './records.js';
import type { Station } from './stations.js';
import { csvText } from '../util/csv.js';

/**
 * The fleet API's records on the admin port (docs/fleet-api.md#on-the-admin-port): GET /api/sessions (JSON, or
 * CSV with ?format=csv for billing migrations) and GET /api/alarms, filtered by ?identity=, ?from=, ?to=. JSON
 * answers carry `total`; with ?limit=N they hold the newest N records, newest first (the dashboard's page).
 */
export function recordsRouter(
  records: FleetRecords,
  stations: () => Promise<Map<string, Station>>,
  maskIdTags: boolean,
): Router {
  const router = Router();
  router.use(['/sessions', '/alarms'], (req, res, next) => {
    const limit = req.query.limit;
    if (limit === undefined || (typeof limit === 'string' && /^\d{1,6}$/.test(limit))) return next();
    res.status(400).json({ error: 'limit must be a whole number of records (at most 999999)' });
  });
  router.get('/sessions', async (req, res, next) => {
    try {
      await records.refresh();
      const byIdentity = await stations();
      const sessions = filtered(records.closed(), req.query);
      if (req.query.format === 'csv') {
        const rows = sessions.map((s) => sessionRow(s, byIdentity.get(s.identity), maskIdTags));
        res.type('text/csv').attachment('sessions.csv').send(csv(rows));
        return;
      }
      const shown = newest(sessions, (s) => s.start, req.query.limit);
      res.json({
        total: sessions.length,
        sessions: shown.map((s) => sessionRow(s, byIdentity.get(s.identity), maskIdTags)),
      });
    } catch (err) {
      next(err);
    }
  });
  router.get('/alarms', async (req, res, next) => {
    try {
      await records.refresh();
      const identities = [...(await stations()).keys()];
      const matching = identities
        .flatMap((id) => records.alarms(id))
        .filter((a) => !req.query.identity || a.identity === req.query.identity);
      const alarms = newest(matching, (a) => a.at, req.query.limit).map((a) => ({
        identity: a.identity,
        connectorId: a.connectorId,
        type: a.type,
        at: new Date(a.at).toISOString(),
        cleared: a.cleared && { at: new Date(a.cleared.at).toISOString(), reason: a.cleared.reason },
      }));
      res.json({ total: matching.length, alarms });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** Without a limit, all records in their stored order; with ?limit=N (checked above), the newest N, newest first. */
function newest<T>(records: readonly T[], at: (record: T) => number, limit: unknown): readonly T[] {
  if (typeof limit !== 'string') return records;
  return [...records].sort((a, b) => at(b) - at(a)).slice(0, Number(limit));
}

function filtered(sessions: readonly SessionRecord[], query: Record<string, unknown>): SessionRecord[] {
  const from = typeof query.from === 'string' ? Date.parse(query.from) : Number.NaN;
  const to = typeof query.to === 'string' ? Date.parse(query.to) : Number.NaN;
  return sessions.filter(
    (s) =>
      (!query.identity || s.identity === query.identity) &&
      (!Number.isFinite(from) || s.start >= from) &&
      (!Number.isFinite(to) || s.start <= to),
  );
}

type Row = Record<string, string | number | undefined>;

function sessionRow(s: SessionRecord, station: Station | undefined, maskIdTags: boolean): Row {
  return {
    sessionId: s.sessionId,
    identity: s.identity,
    stationId: station?.stationId,
    connectorId: s.connectorId,
    start: new Date(s.start).toISOString(),
    end: s.end === undefined ? undefined : new Date(s.end).toISOString(),
    energyKWh:
      s.meterStop !== undefined && s.meterStop >= s.meterStart ? (s.meterStop - s.meterStart) / 1000 : undefined,
    idTag: maskIdTags ? undefined : s.idTag,
  };
}

const COLUMNS = ['sessionId', 'identity', 'stationId', 'connectorId', 'start', 'end', 'energyKWh', 'idTag'];

function csv(rows: Row[]): string {
  return csvText(
    COLUMNS,
    rows.map((r) => COLUMNS.map((c) => r[c])),
  );
}
