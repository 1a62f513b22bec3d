import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../util/log.js';
import type { UpstreamPool } from '../upstream/pool.js';
import type { DeadLetters } from '../bridge/dead-letters.js';
import { AdminAuth, adminErrors, checkHost, securityHeaders, writeGuard } from './auth.js';
import { chargerApi, type ChargerApiDependencies } from './charger-api.js';
import { deadLetterApi } from './dead-letter-api.js';
import { chartsApi, type FleetCharts } from './fleet-charts.js';
import type { ChargerTimeline } from './timeline.js';
import { migrationApi, type MigrationControl } from './migration-api.js';
import { openApiDocument } from './openapi.js';
import { type SettingsApiDependencies, settingsApi, settingsImportApi } from './settings-api.js';
import type { GatewayMetrics } from './metrics.js';
import type { MessageTrace } from './trace.js';

export interface AdminDependencies {
  token?: string;
  /** Host header names answered besides loopback names (ADMIN_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
  /** The admin port's certificate and key: HTTPS, and Secure session cookies. */
  tls?: { cert: Buffer; key: Buffer };
  logger: Logger;
  /** Resolves when every configured dependency (Redis) answers; rejects with the reason otherwise. */
  checkReady(): Promise<void>;
  registry: ChargerApiDependencies['registry'];
  upstream: UpstreamPool;
  /** The dead letters (set once the gateway has started). */
  deadLetters?: DeadLetters;
  /** Mask idTags in what the admin port shows (TRACE_MASK_ID_TAGS). */
  maskIdTags: boolean;
  /** Drops a charger's waiting messages and uncounts them; resolves with how many. */
  dropQueued(identity: string): Promise<number>;
  metrics: GatewayMetrics;
  trace: MessageTrace;
  /** The dashboard's fleet charts and charger timelines (docs/architecture.md#fleet-charts). */
  charts?: { fleet: FleetCharts; timeline: ChargerTimeline };
  /** Migration routing, when a legacy system is configured. */
  migration?: MigrationControl;
  /** The BullMQ queue dashboard, when Redis is used; mounted behind the same token. */
  queueBoard?: { path: string; router: Router };
  /** Charger settings at run time, import/export and the audit trail (docs/architecture.md#charger-settings-at-run-time). */
  fleetSettings?: SettingsApiDependencies;
  /** Pending chargers (docs/operations.md#onboarding-chargers), or a clear refusal without ADMISSION=approve. */
  pending?: Router;
  /** The fleet API's sessions and alarms as JSON and CSV (docs/fleet-api.md#on-the-admin-port), when enabled. */
  fleetRecords?: Router;
}

// The same directory from src/admin and from the compiled dist/admin: the dashboard's files are not compiled.
const DASHBOARD_DIR = fileURLToPath(new URL('../../src/admin/dashboard/', import.meta.url));
/**
 * uPlot's files, from the installed package (no CDN: the admin port may have no way out). Only the dashboard's browser
 * loads them, and only when it draws a chart; the gateway never imports them.
 */
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const UPLOT_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'];

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
 * The operator surface on ADMIN_PORT (README.md, "Operating the gateway"): health and readiness, and behind
 * ADMIN_TOKEN when it is set: Prometheus metrics, the JSON status API with its actions, the message trace, the web
 * dashboard and the BullMQ queue board.
 */
export function createAdminServer(deps: AdminDependencies): Server {
  const app = express();
  const auth = new AdminAuth(deps.token, deps.tls !== undefined, (address, via) => {
    deps.metrics.adminAuthFailures.inc({ via });
    deps.logger.warn({ remoteAddress: address, via }, 'admin port: wrong admin token');
  });
  app.disable('x-powered-by');
  app.use(securityHeaders(deps.queueBoard?.path));
  app.use(checkHost(deps.allowedHosts));
  app.use(writeGuard(deps.tls !== undefined));
  healthRoutes(app, deps);
  // The dashboard's files are public (they hold no data); every data request needs the token or a session.
  app.get('/', auth.entry, (_req, res) => res.redirect('/dashboard/'));
  for (const file of UPLOT_FILES)
    app.get(`/dashboard/vendor/${file}`, (_req, res) => res.sendFile(join(UPLOT_DIR, file)));
  app.use('/dashboard', auth.entry, express.static(DASHBOARD_DIR, { index: 'index.html', maxAge: 0 }));
  sessionRoutes(app, auth);
  app.use(auth.require);
  // The import takes large CSV and JSON bodies: before the 16 KiB JSON parser of every other route.
  if (deps.fleetSettings) app.use('/api', settingsImportApi(deps.fleetSettings));
  app.use(express.json({ limit: '16kb' }));
  app.get('/api/openapi.json', (_req, res) => void res.json(openApiDocument()));
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  if (deps.migration) app.use('/api', migrationApi(deps.migration, deps.logger));
  if (deps.charts) app.use('/api', chartsApi(deps.charts.fleet, deps.charts.timeline));
  if (deps.fleetSettings) app.use('/api', settingsApi(deps.fleetSettings));
  if (deps.pending) app.use('/api/chargers/pending', deps.pending);
  app.use('/api/chargers', chargerApi(deps));
  app.use(
    '/api/dead-letters',
    deadLetterApi(() => deps.deadLetters, deps.maskIdTags, deps.logger),
  );
  if (deps.queueBoard) app.use(deps.queueBoard.path, deps.queueBoard.router);
  if (deps.fleetRecords) app.use('/api', deps.fleetRecords);
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  app.use(adminErrors(deps.logger));
  return deps.tls ? createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key }, app) : createServer(app);
}

/** The dashboard's login (the token for a session cookie) and logout; a wrong token is logged without it. */
function sessionRoutes(app: express.Express, auth: AdminAuth): void {
  app.post('/login', express.json({ limit: '4kb' }), (req, res) => {
    if (auth.throttled(req, res)) return;
    const token = typeof req.body?.token === 'string' ? req.body.token : undefined;
    if (!auth.valid(token)) {
      auth.failed(req, 'login');
      return void res.status(401).json({ error: 'wrong admin token' });
    }
    auth.startSession(res);
    res.json({ loggedIn: true });
  });
  app.post('/logout', (req, res) => {
    auth.endSession(req, res);
    res.json({ loggedIn: false });
  });
}
