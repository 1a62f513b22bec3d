import { Router } from 'express';
import type { DeadLetters } from '../bridge/dead-letters.js';
import type { DeadLetter } from '../state/registry.js';
import type { Logger } from '../util/log.js';
import { maskTrace } from './trace.js';

/** A dead letter as operators see it: its message with idTags masked like the trace's. */
function shown(entry: DeadLetter, maskIdTags: boolean): DeadLetter {
  return { ...entry, message: JSON.parse(maskTrace(JSON.stringify(entry.message), maskIdTags)) as object };
}

/**
 * /api/dead-letters: stored messages the CSMS kept refusing past the redelivery bound (README.md, "Delivery and
 * durability"). Listing is open to the admin token; replaying and dropping need a reason, which is logged.
 */
export function deadLetterApi(deadLetters: () => DeadLetters | undefined, maskIdTags: boolean, logger: Logger): Router {
  const api = Router();
  const ready = (res: import('express').Response): DeadLetters | undefined => {
    const letters = deadLetters();
    if (!letters) res.status(503).json({ error: 'the gateway is starting' });
    return letters;
  };

  api.get('/', async (req, res) => {
    const letters = ready(res);
    if (!letters) return;
    const identity = typeof req.query.identity === 'string' ? req.query.identity : undefined;
    const all = (await letters.list()).filter((e) => !identity || e.identity === identity);
    res.json({ total: all.length, deadLetters: all.map((e) => shown(e, maskIdTags)) });
  });

  for (const action of ['replay', 'drop'] as const) {
    api.post(`/:id/${action}`, async (req, res) => {
      const letters = ready(res);
      if (!letters) return;
      const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
      if (!reason) return void res.status(400).json({ error: 'a reason is required: {"reason": "..."}' });
      const entry =
        action === 'replay' ? await letters.replay(req.params.id, reason) : await letters.drop(req.params.id, reason);
      if (!entry) {
        logger.info({ deadLetter: req.params.id }, `dead letter to ${action} not found`);
        return void res.status(404).json({ error: `no dead letter ${req.params.id}` });
      }
      res.json({
        id: entry.id,
        identity: entry.identity,
        action: entry.action,
        [action === 'replay' ? 'replayed' : 'dropped']: true,
        reason,
      });
    });
  }
  return api;
}
