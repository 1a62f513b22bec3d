import { type Request, type Response, Router } from 'express';
import type { Actor, ChargerApprovals } from '../state/charger-approvals.js';
import type { Decision, PendingRecord, PendingStore } from '../state/pending-chargers.js';
import type { Logger } from '../util/log.js';
import { adminActor } from './auth.js';

/** What the admin port needs of pending chargers (docs/operations.md#onboarding-chargers). */
export interface PendingControl {
  store: PendingStore;
  approvals: ChargerApprovals;
  /** PENDING_MAX: pending identities kept, and rejections remembered. */
  max: number;
  /** Approvals kept at most (MAX_CHARGERS). */
  maxApproved: number;
  maxIdentityLength: number;
  /** The problem of settings given with an approval, naming the field (`settings.callbackUrl: ...`), or undefined. */
  settingsProblem(identity: string, settings: Record<string, unknown>): string | undefined;
}

/** Settings never shown or logged: they are written only. */
const SECRET_SETTINGS = new Set(['soapPassword', 'basicAuthPassword']);

const pendingView = (p: PendingRecord) => ({
  identity: p.identity,
  firstSeen: new Date(p.first).toISOString(),
  lastSeen: new Date(p.last).toISOString(),
  count: p.count,
  address: p.address,
  dialect: p.dialect,
  vendor: p.vendor,
  model: p.model,
});

/** A decision as shown and logged: secret settings masked. */
export function decisionView(d: Decision): Decision {
  if (!d.settings) return d;
  const settings = Object.fromEntries(
    Object.entries(d.settings).map(([k, v]) => [k, SECRET_SETTINGS.has(k) ? '(set)' : v]),
  );
  return { ...d, settings };
}

/** The body of an approval or rejection, checked field by field; `problem` names the field at fault. */
function readBody(
  req: Request,
  fields: readonly string[],
): { problem: string } | { reason?: string; settings?: Record<string, unknown> } {
  const body: unknown = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { problem: `the body must be a JSON object with ${fields.join(', ')} (all optional)` };
  const unknown = Object.keys(body).find((k) => !fields.includes(k));
  if (unknown !== undefined) return { problem: `unknown field ${JSON.stringify(unknown)}: use ${fields.join(', ')}` };
  const { reason, settings } = body as { reason?: unknown; settings?: unknown };
  if (reason !== undefined && typeof reason !== 'string') return { problem: 'reason must be a string' };
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings)))
    return { problem: 'settings must be an object of charger settings (as under chargers.<identity>)' };
  return {
    reason: reason?.trim() || undefined,
    settings: settings as Record<string, unknown> | undefined,
  };
}

/**
 * /api/chargers/pending: identities refused for want of a listing, and the operator's decisions about them. A
 * decision is logged with who made it (the admin session's tag or the token, and the address).
 */
export function pendingApi(control: PendingControl, logger: Logger): Router {
  const api = Router();
  const { store } = control;

  api.get('/', async (_req, res) => {
    const { pending, dropped } = await store.list();
    res.json({ max: control.max, total: pending.length, dropped, pending: pending.map(pendingView) });
  });
  api.get('/approved', (_req, res) => void res.json({ decisions: store.decisions('approved').map(decisionView) }));
  api.get('/rejected', (_req, res) => void res.json({ decisions: store.decisions('rejected').map(decisionView) }));

  /** Refuses (and answers) what cannot be decided: a bad identity or body, an identity that is not waiting. */
  const checked = async (req: Request, res: Response, kind: Decision['kind']) => {
    const identity = req.params.identity as string;
    if (identity.length > control.maxIdentityLength)
      return void res.status(400).json({ error: `identity longer than ${control.maxIdentityLength} characters` });
    const body = readBody(req, kind === 'approved' ? ['reason', 'settings'] : ['reason']);
    if ('problem' in body) return void res.status(400).json({ error: body.problem });
    const problem = body.settings && control.settingsProblem(identity, body.settings);
    if (problem) return void res.status(400).json({ error: problem });
    const decided = store.decision(identity);
    if (decided?.kind === kind) return void res.status(409).json({ error: `charger ${identity} is already ${kind}` });
    if (!decided && !(await store.pending(identity)))
      return void res.status(404).json({ error: `no pending charger ${identity}` });
    const bound = kind === 'approved' ? control.maxApproved : control.max;
    if (store.decisions(kind).length >= bound)
      return void res.status(409).json({
        error: `${bound} chargers are ${kind} already (the bound): clear or revoke some first`,
      });
    const actor: Actor = { ...adminActor(req), reason: body.reason };
    return { identity, actor, settings: body.settings };
  };

  api.post('/:identity/approve', async (req, res) => {
    const ok = await checked(req, res, 'approved');
    if (!ok) return;
    await control.approvals.approve(ok.identity, ok.settings, ok.actor);
    logDecision(logger, 'approved', ok.identity, ok.actor, ok.settings);
    res.json({ identity: ok.identity, approved: true, by: ok.actor.who, reason: ok.actor.reason });
  });

  api.post('/:identity/reject', async (req, res) => {
    const ok = await checked(req, res, 'rejected');
    if (!ok) return;
    await control.approvals.reject(ok.identity, ok.actor);
    logDecision(logger, 'rejected', ok.identity, ok.actor);
    res.json({ identity: ok.identity, rejected: true, by: ok.actor.who, reason: ok.actor.reason });
  });

  // Clearing a rejection lists the identity again at its next message; revoking an approval refuses it again.
  for (const kind of ['approved', 'rejected'] as const) {
    api.delete(`/${kind}/:identity`, async (req, res) => {
      const identity = req.params.identity;
      if (!(await store.forget(identity, kind)))
        return void res.status(404).json({ error: `charger ${identity} is not ${kind}` });
      const actor = adminActor(req);
      if (kind === 'approved') await control.approvals.revoke?.(identity, actor);
      logger.warn(
        { chargeBoxIdentity: identity, by: actor.who, remoteAddress: actor.address },
        `${kind === 'approved' ? 'approval' : 'rejection'} of ${identity} withdrawn by ${actor.who} from ${actor.address}`,
      );
      res.json({ identity, [kind]: false });
    });
  }
  return api;
}

function logDecision(
  logger: Logger,
  kind: Decision['kind'],
  identity: string,
  actor: Actor,
  settings?: Record<string, unknown>,
): void {
  const shown = settings && decisionView({ identity, kind, at: '', by: '', address: '', settings }).settings;
  logger.warn(
    { chargeBoxIdentity: identity, by: actor.who, remoteAddress: actor.address, reason: actor.reason, settings: shown },
    `charger ${identity} ${kind} by ${actor.who} from ${actor.address}${actor.reason ? ` (${actor.reason})` : ''}`,
  );
}

/** /api/chargers/pending when ADMISSION is not approve: a clear answer instead of an unknown charger "pending". */
export function pendingApiOff(admission: string): Router {
  const api = Router();
  api.use((_req, res) => {
    res.status(409).json({
      error: `pending chargers are kept with ADMISSION=approve; this gateway's admission is ${admission}`,
    });
  });
  return api;
}
