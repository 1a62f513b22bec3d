import { type ChargerOverride, chargerOverride } from '../config/config.js';
import type { Logger } from '../util/log.js';
import type { PendingStore } from './pending-chargers.js';

/** Who made an operator change on the admin port, and why. */
export interface Actor {
  /** The admin session's tag, "bearer token" or "open admin port" (never the token or the session id). */
  who: string;
  address: string;
  reason?: string;
}

/**
 * What approving or rejecting a pending charger does (docs/operations.md#onboarding-chargers). The admin API calls
 * only this, so that another keeping of charger records can take its place where the gateway wires it.
 */
export interface ChargerApprovals {
  /** Serves the identity from its next message on every instance; settings as under chargers.<identity>. */
  approve(identity: string, settings: Record<string, unknown> | undefined, actor: Actor): Promise<void>;
  /** Keeps refusing the identity without listing it again, until the rejection is cleared. */
  reject(identity: string, actor: Actor): Promise<void>;
}

/**
 * The approvals kept as decisions in the pending store: Admission serves an approved identity, and the settings given
 * with an approval become its entry in the running configuration's chargers on every instance (as soon as the
 * instance learns of the decision), unless the configuration lists it itself. A revoked approval removes that entry.
 */
export class StoreApprovals implements ChargerApprovals {
  /** Identities whose configuration entry came from an approval, with the decision time it came from. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly store: PendingStore,
    private readonly chargers: Record<string, ChargerOverride>,
    private readonly logger: Logger,
  ) {
    store.onDecision((identity) => this.apply(identity));
    this.apply(undefined);
  }

  async approve(identity: string, settings: Record<string, unknown> | undefined, actor: Actor): Promise<void> {
    await this.store.decide({
      identity,
      kind: 'approved',
      at: new Date().toISOString(),
      by: actor.who,
      address: actor.address,
      ...(actor.reason ? { reason: actor.reason } : {}),
      ...(settings ? { settings } : {}),
    });
  }

  async reject(identity: string, actor: Actor): Promise<void> {
    await this.store.decide({
      identity,
      kind: 'rejected',
      at: new Date().toISOString(),
      by: actor.who,
      address: actor.address,
      ...(actor.reason ? { reason: actor.reason } : {}),
    });
  }

  approved(identity: string): boolean {
    return this.store.decision(identity)?.kind === 'approved';
  }

  /** Brings the configuration entries of one identity (or of all) in line with the decisions. */
  private apply(identity: string | undefined): void {
    const identities =
      identity === undefined
        ? new Set([...this.applied.keys(), ...this.store.decisions('approved').map((d) => d.identity)])
        : [identity];
    for (const id of identities) {
      const decision = this.store.decision(id);
      const settings = decision?.kind === 'approved' ? decision.settings : undefined;
      if (settings && this.applied.get(id) === decision?.at) continue;
      if (settings && (this.applied.has(id) || !(id in this.chargers))) {
        const parsed = chargerOverride.safeParse(settings);
        if (parsed.success) {
          this.chargers[id] = parsed.data;
          this.applied.set(id, decision!.at);
          continue;
        }
        this.logger.warn(
          { chargeBoxIdentity: id, problem: parsed.error.issues[0]?.message },
          `the settings approved for ${id} are not valid here; it is served with the defaults`,
        );
      }
      if (!settings && this.applied.has(id)) {
        delete this.chargers[id];
        this.applied.delete(id);
      }
    }
  }
}
