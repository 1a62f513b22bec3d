import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../util/log.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { UpstreamPool } from '../upstream/pool.js';
import type { DeadLetters } from '../bridge/dead-letters.js';
import { chargerApi } from './charger-api.js';
import { deadLetterApi } from './dead-letter-api.js';
import type { GatewayMetrics } from './metrics.js';
import type { MessageTrace } from './trace.js';

export interface AdminDependencies {
  token?: string;
  logger: Logger;
  /** Resolves when every configured dependency (Redis) answers; rejects with the reason otherwise. */
  checkReady(): Promise<void>;
  registry: ChargerRegistry;
  upstream: UpstreamPool;
  /** The dead letters (set once the gateway has started). */
  deadLetters?: DeadLetters;
  /** Mask idTags in what the admin port shows (TRACE_MASK_ID_TAGS). */
  maskIdTags: boolean;
  /** Drops a charger's waiting messages and uncounts them; resolves with how many. */
  dropQueued(identity: string): Promise<number>;
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

/** /health and /ready: always open, for orchestrators; 200 when every configured dependency answers, else 503. */
function healthRoutes(app: express.Express, deps: AdminDependencies): void {
  const probe = (ok: string, failed: string) => async (_req: Request, res: Response) => {
    try {
      await deps.checkReady();
      res.json({ status: ok });
    } catch (err) {
      res.status(503).json({ status: failed, reason: (err as Error).message });
    }
  };
  app.get('/health', probe('ok', 'unavailable'));
  app.get('/ready', probe('ready', 'not ready'));
}

/**
 * Token as a Bearer header (API, Prometheus), or once as ?token= in a browser, which then gets an HttpOnly cookie so
 * that pages that fetch on their own (the queue board) stay authorised.
 */
function requireToken(token: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!token) return next();
    const header = req.headers.authorization ?? '';
    const cookie = /(?:^|;\s*)ocppgw_admin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const given = header.startsWith('Bearer ') ? header.slice(7) : (query ?? (cookie && decodeURIComponent(cookie)) ?? '');
    if (given && sameToken(given, token)) {
      if (query) res.cookie('ocppgw_admin', query, { httpOnly: true, sameSite: 'strict', path: '/' });
      return next();
    }
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
  };
}

/**
 * The operator surface on ADMIN_PORT (README.md, "Operating the gateway"): health and readiness, and behind
 * ADMIN_TOKEN when it is set: Prometheus metrics, the JSON status API with its actions, the message trace, the web
 * dashboard and the BullMQ queue board.
 */
export function createAdminServer(deps: AdminDependencies): Server {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));
  healthRoutes(app, deps);
  // The dashboard's files are public (they hold no data); every data request needs the token.
  app.get('/', (_req, res) => res.redirect('/dashboard/'));
  app.use('/dashboard', express.static(DASHBOARD_DIR, { index: 'index.html', maxAge: 0 }));
  app.use(requireToken(deps.token));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use('/api/chargers', chargerApi(deps));
  app.use('/api/dead-letters', deadLetterApi(() => deps.deadLetters, deps.maskIdTags, deps.logger));
  if (deps.queueBoard) app.use(deps.queueBoard.path, deps.queueBoard.router);
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  return createServer(app);
}
