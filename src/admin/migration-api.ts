import { Router, type Request } from 'express';
import { ROUTES, type RouteName } from '../config/migration.js';
import type { MigrationStore } from '../state/migration-store.js';
import { openTransactionsBySystem } from '../translate/routing.js';
import type { Logger } from '../util/log.js';

/** What the admin port needs of migration routing (docs/architecture.md#migration-routing). */
export interface MigrationControl {
  store: MigrationStore;
  /** A charger's route: set at run time, else configured. */
  routeOf(identity: string): RouteName;
  /** Whether the gateway knows the identity (it has sent a message, or it is configured). */
  known(identity: string): Promise<boolean>;
  /** Why the route cannot be given to the charger (no legacy URL for it), or undefined. */
  problem(identity: string, route: RouteName): Promise<string | undefined>;
  /** Every charger the gateway knows. */
  identities(): Promise<string[]>;
}

const DAY_MS = 24 * 3_600_000;

const sinceOf = (req: Request): number | undefined => {
  const since = typeof req.query.since === 'string' ? Date.parse(req.query.since) : NaN;
  return Number.isNaN(since) ? undefined : since;
};
const limitOf = (req: Request) => Math.max(1, Math.min(1000, Number(req.query.limit ?? 100) || 100));

/** Per charger: its route, the open transactions of each system, and its divergences in the last 24 hours. */
export async function routingSummary(
  control: MigrationControl,
  identities: string[],
): Promise<Map<string, { route: RouteName; openTransactions: Record<string, number[]>; divergences24h: number }>> {
  const recent = await control.store.divergences({ since: Date.now() - DAY_MS, limit: 10_000 });
  const counts = new Map<string, number>();
  for (const d of recent) counts.set(d.identity, (counts.get(d.identity) ?? 0) + 1);
  const out = new Map<
    string,
    { route: RouteName; openTransactions: Record<string, number[]>; divergences24h: number }
  >();
  for (const identity of identities) {
    out.set(identity, {
      route: control.routeOf(identity),
      openTransactions: openTransactionsBySystem(await control.store.routing(identity)),
      divergences24h: counts.get(identity) ?? 0,
    });
  }
  return out;
}

/** Validates a route change; the problems name the route or identity at fault. */
async function problemsOf(control: MigrationControl, identities: unknown[], route: unknown): Promise<string[]> {
  if (typeof route !== 'string' || !(ROUTES as readonly string[]).includes(route))
    return [`unknown route ${JSON.stringify(route)}: use one of ${ROUTES.join(', ')}`];
  const problems: string[] = [];
  for (const identity of identities) {
    const problem =
      typeof identity === 'string' && (await control.known(identity))
        ? await control.problem(identity, route as RouteName)
        : `unknown charger ${JSON.stringify(identity)}`;
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * Route changes (one charger, or many at once for a batch cut-over), divergences and the migration overview. A route
 * change takes effect at once for new transactions; open ones stay with the system that started them.
 */
export function migrationApi(control: MigrationControl, logger: Logger): Router {
  const api = Router();

  const apply = async (identities: string[], route: RouteName, req: Request) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : undefined;
    const changed: { identity: string; previous: RouteName; route: RouteName }[] = [];
    for (const identity of identities) {
      const previous = control.routeOf(identity);
      if (previous === route) continue;
      await control.store.setRoute(identity, route);
      changed.push({ identity, previous, route });
      logger.warn(
        { chargeBoxIdentity: identity, previous, route, reason, remoteAddress: req.socket.remoteAddress },
        `route of ${identity} changed from ${previous} to ${route}${reason ? ` (${reason})` : ''}`,
      );
    }
    return { route, changed, unchanged: identities.filter((id) => !changed.some((c) => c.identity === id)) };
  };

  api.put('/chargers/:identity/route', async (req, res) => {
    const problems = await problemsOf(control, [req.params.identity], req.body?.route);
    if (problems.length > 0) return void res.status(400).json({ error: problems.join('; ') });
    res.json(await apply([req.params.identity], req.body.route as RouteName, req));
  });

  api.post('/routes', async (req, res) => {
    const identities: unknown = req.body?.identities;
    if (!Array.isArray(identities) || identities.length === 0)
      return void res.status(400).json({ error: 'identities must be a non-empty list of charger identities' });
    const problems = await problemsOf(control, identities, req.body?.route);
    if (problems.length > 0) return void res.status(400).json({ error: problems.join('; ') });
    res.json(await apply(identities as string[], req.body.route as RouteName, req));
  });

  api.get('/chargers/:identity/divergences', async (req, res) => {
    res.json({
      identity: req.params.identity,
      divergences: await control.store.divergences({
        identity: req.params.identity,
        since: sinceOf(req),
        limit: limitOf(req),
      }),
    });
  });

  api.get('/divergences', async (req, res) => {
    res.json({ divergences: await control.store.divergences({ since: sinceOf(req), limit: limitOf(req) }) });
  });

  api.get('/migration', async (_req, res) => {
    const identities = await control.identities();
    const summary = await routingSummary(control, identities);
    const routes: Record<string, number> = Object.fromEntries(ROUTES.map((r) => [r, 0]));
    for (const s of summary.values()) routes[s.route] = (routes[s.route] ?? 0) + 1;
    const divergent = [...summary]
      .filter(([, s]) => s.divergences24h > 0)
      .map(([identity, s]) => ({ identity, route: s.route, divergences24h: s.divergences24h }));
    res.json({
      routes,
      divergent: divergent.sort((a, b) => b.divergences24h - a.divergences24h),
      shadowBacklog: (await control.store.chargersWithCopies()).length,
    });
  });

  return api;
}
