import { isIP } from 'node:net';
import { plainAddress } from '../util/net.js';
import { type RequestHandler, Router } from 'express';
import type { UpstreamPool } from '../upstream/pool.js';
import type { Logger } from '../util/log.js';
import { loadChargerStatus, loadFleetStatus, type StatusStores } from './fleet-status.js';
import { type MigrationControl, routingSummary } from './migration-api.js';
import type { MessageTrace } from './trace.js';

/** What the charger API reads and acts on: a part of the admin port's dependencies. */
export interface ChargerApiDependencies {
  registry: StatusStores;
  upstream: UpstreamPool;
  logger: Logger;
  trace: MessageTrace;
  migration?: MigrationControl;
  /** Drops a charger's waiting messages and uncounts them; resolves with how many. */
  dropQueued(identity: string): Promise<number>;
}

/** /api/chargers: the fleet, one charger, its trace, and the operator actions (README.md, "Operating the gateway"). */
export function chargerApi(deps: ChargerApiDependencies): Router {
  const api = Router();

  api.get('/', fleetListing(deps));

  api.get('/:identity', async (req, res) => {
    const status = await loadChargerStatus(req.params.identity, deps.registry, deps.upstream);
    if (!status) return void res.status(404).json({ error: `unknown charger ${req.params.identity}` });
    if (deps.migration) status.routing = (await routingSummary(deps.migration, [status.identity])).get(status.identity);
    res.json(status);
  });

  api.get('/:identity/trace', (req, res) => {
    const limit = Math.max(1, Math.min(500, Number(req.query.limit ?? 50) || 50));
    res.json({ identity: req.params.identity, records: deps.trace.recent(req.params.identity, limit) });
  });

  api.post('/:identity/reconnect', (req, res) => {
    const connection = deps.upstream.peek(req.params.identity);
    if (!connection)
      return void res.status(409).json({
        error: `this instance has no upstream connection for ${req.params.identity} (another instance may own its partition)`,
      });
    connection.reconnect();
    deps.logger.warn({ chargeBoxIdentity: req.params.identity }, 'upstream reconnect requested by an operator');
    res.json({ identity: req.params.identity, reconnecting: true });
  });

  operatorActions(api, deps);
  return api;
}

/** GET /api/chargers: the fleet, filtered by identity text, connection state and `stuck`, one page at a time. */
function fleetListing(deps: ChargerApiDependencies): RequestHandler {
  return async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : '';
    const limit = Math.min(1000, Number(req.query.limit ?? 200) || 200);
    const offset = Number(req.query.offset ?? 0) || 0;
    const identities = (await deps.registry.contacts.identities()).filter((id) => id.toLowerCase().includes(q));
    let chargers = await loadFleetStatus(identities, deps.registry, deps.upstream);
    if (req.query.upstream === 'open') chargers = chargers.filter((c) => c.upstream.state === 'open');
    if (req.query.upstream === 'down') chargers = chargers.filter((c) => c.upstream.state !== 'open');
    // Stuck: messages waiting, no way for the CSMS to reach it, or messages the CSMS kept refusing.
    if (req.query.stuck === 'true')
      chargers = chargers.filter((c) => c.queued > 0 || !c.soap.callbackUrl || c.deadLetters > 0);
    const page = chargers.slice(offset, offset + limit);
    if (deps.migration) {
      const summary = await routingSummary(
        deps.migration,
        page.map((c) => c.identity),
      );
      for (const c of page) c.routing = summary.get(c.identity);
    }
    res.json({ total: chargers.length, offset, chargers: page });
  };
}

/** The operator actions that change a charger's pinned source or its queue; each requires a logged reason. */
function operatorActions(api: Router, deps: ChargerApiDependencies): void {
  // Forget the pinned source (the next message pins its own) or pin the one given; a reason is required, as for drops.
  api.post('/:identity/repin', async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
    if (!reason)
      return void res.status(400).json({ error: 'a reason is required: {"reason": "...", "address": "optional"}' });
    const address =
      typeof req.body?.address === 'string' && req.body.address.trim() ? req.body.address.trim() : undefined;
    if (address !== undefined && isIP(address) === 0)
      return void res.status(400).json({ error: `address ${address} is not an IP address` });
    const identity = req.params.identity;
    const previous = await deps.registry.pins.pinnedSource(identity);
    await deps.registry.pins.pinSource(identity, undefined);
    if (address !== undefined) await deps.registry.pins.pinSource(identity, plainAddress(address));
    deps.logger.warn(
      { chargeBoxIdentity: identity, previous, address, reason },
      `operator re-pinned the source of ${identity}: ${address ?? 'the next message pins it'} (${reason})`,
    );
    res.json({ identity, previous, pinnedSource: address && plainAddress(address), reason });
  });

  api.post('/:identity/queued/drop', async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
    if (!reason) return void res.status(400).json({ error: 'a reason is required: {"reason": "..."}' });
    const identity = req.params.identity;
    const dropped = await deps.dropQueued(identity);
    deps.logger.warn(
      { chargeBoxIdentity: identity, dropped, reason },
      `operator dropped ${dropped} queued messages: ${reason}`,
    );
    res.json({ identity, dropped, reason });
  });
}
