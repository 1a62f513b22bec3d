import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../log.js';
import type { UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { loadChargerStatus, type ChargerStatus } from './fleet-status.js';
import type { GatewayMetrics } from './metrics.js';
import type { MessageTrace } from './trace.js';

export interface AdminDependencies {
  token?: string;
  logger: Logger;
  /** Resolves when every configured dependency (Redis) answers; rejects with the reason otherwise. */
  checkReady(): Promise<void>;
  registry: ChargerRegistry;
  upstream: UpstreamPool;
  queue: UpstreamQueue;
  metrics: GatewayMetrics;
  trace: MessageTrace;
  /** The BullMQ queue dashboard, when Redis is used; mounted behind the same token. */
  queueBoard?: { path: string; router: Router };
}

const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The operator surface on ADMIN_PORT (issue 6): health and readiness (always open, for orchestrators), and behind
 * ADMIN_TOKEN when it is set: Prometheus metrics, the JSON status API with its actions, the message trace, the web
 * dashboard and the BullMQ queue board.
 */
export function createAdminServer(deps: AdminDependencies): Server {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/health', async (_req, res) => {
    try {
      await deps.checkReady();
      res.json({ status: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', reason: (err as Error).message });
    }
  });
  app.get('/ready', async (_req, res) => {
    try {
      await deps.checkReady();
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', reason: (err as Error).message });
    }
  });

  // The dashboard's files are public (they hold no data); every data request needs the token.
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  app.use('/dashboard', express.static(DASHBOARD_DIR, { index: 'index.html', maxAge: 0 }));

  // Token as a Bearer header (API, Prometheus), or once as ?token= in a browser, which then gets an HttpOnly cookie
  // so that pages that fetch on their own (the queue board) stay authorised.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!deps.token) return next();
    const header = req.headers.authorization ?? '';
    const cookie = /(?:^|;\s*)ocppgw_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const given = header.startsWith('Bearer ') ? header.slice(7) : (query ?? (cookie && decodeURIComponent(cookie)) ?? '');
    if (given && sameToken(given, deps.token)) {
      if (query) res.cookie('ocppgw_admin', query, { httpOnly: true, sameSite: 'strict', path: '/' });
      return next();
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
  });

  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.get('/api/chargers', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : '';
    const limit = Math.min(1000, Number(req.query.limit ?? 200) || 200);
    const offset = Number(req.query.offset ?? 0) || 0;
    const identities = (await deps.registry.identities()).filter((id) => id.toLowerCase().includes(q));
    let chargers = (await Promise.all(identities.map((id) => loadChargerStatus(id, deps.registry, deps.upstream)))).filter((c): c is ChargerStatus => c !== undefined);
    if (req.query.upstream === 'open') chargers = chargers.filter((c) => c.upstream.state === 'open');
    if (req.query.upstream === 'down') chargers = chargers.filter((c) => c.upstream.state !== 'open');
    if (req.query.stuck === 'true') chargers = chargers.filter((c) => c.queued > 0 || !c.soap.callbackUrl);
    res.json({ total: chargers.length, offset, chargers: chargers.slice(offset, offset + limit) });
  });

  app.get('/api/chargers/:identity', async (req, res) => {
    const status = await loadChargerStatus(req.params.identity!, deps.registry, deps.upstream);
    if (!status) return void res.status(404).json({ error: `unknown charger ${req.params.identity}` });
    res.json(status);
  });

  app.get('/api/chargers/:identity/trace', (req, res) => {
    const limit = Math.max(1, Math.min(500, Number(req.query.limit ?? 50) || 50));
    res.json({ identity: req.params.identity, records: deps.trace.recent(req.params.identity!, limit) });
  });

  app.post('/api/chargers/:identity/reconnect', (req, res) => {
    const connection = deps.upstream.peek(req.params.identity!);
    if (!connection) return void res.status(409).json({ error: `this instance has no upstream connection for ${req.params.identity} (another instance may own its partition)` });
    connection.reconnect();
    deps.logger.warn({ chargeBoxIdentity: req.params.identity }, 'upstream reconnect requested by an operator');
    res.json({ identity: req.params.identity, reconnecting: true });
  });

  app.post('/api/chargers/:identity/queued/drop', async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
    if (!reason) return void res.status(400).json({ error: 'a reason is required: {"reason": "..."}' });
    const identity = req.params.identity!;
    const dropped = await deps.queue.dropQueued(identity);
    for (let i = 0; i < dropped; i++) await deps.registry.addQueued(identity, -1);
    deps.logger.warn({ chargeBoxIdentity: identity, dropped, reason }, `operator dropped ${dropped} queued messages: ${reason}`);
    res.json({ identity, dropped, reason });
  });

  if (deps.queueBoard) app.use(deps.queueBoard.path, deps.queueBoard.router);

  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  return createServer(app);
}
