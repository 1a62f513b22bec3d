import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Logger } from '../log.js';

export interface AdminDependencies {
  token?: string;
  logger: Logger;
  /** Resolves when every configured dependency (Redis) answers; rejects with the reason otherwise. */
  checkReady(): Promise<void>;
}

/** The operator surface on ADMIN_PORT: liveness and readiness (more in later issues). */
export function createAdminServer(deps: AdminDependencies): Server {
  const app = express();
  app.disable('x-powered-by');
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
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  return createServer(app);
}
