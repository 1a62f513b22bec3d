import { maskSecrets } from '../config/charger-settings.js';
import type { Actor, ChargerApprovals } from './charger-approvals.js';
import { type FleetSettings, SettingsError } from './fleet-settings.js';
import type { PendingStore } from './pending-chargers.js';

const actorText = (actor: Actor) => `${actor.who}@${actor.address}`;

/**
 * Approvals that become charger settings records (docs/operations.md#onboarding-chargers): approving writes the
 * charger's record (origin `approved`, with the settings given, audited), which serves it from its next message on
 * every instance like any record; the decision itself is kept in the pending store for the lists. Rejecting is
 * audited too; revoking an approval retires the record, so the charger is refused again.
 */
export class SettingsApprovals implements ChargerApprovals {
  constructor(
    private readonly store: PendingStore,
    private readonly settings: FleetSettings,
  ) {}

  async approve(identity: string, settings: Record<string, unknown> | undefined, actor: Actor): Promise<void> {
    // The record first: settings it refuses leave no decision behind.
    await this.settings.approve(identity, { ...settings, allow: true }, actorText(actor));
    // The decision shows the settings it came with, masked: the record holds them.
    const shown = settings ? { settings: maskSecrets(settings) } : {};
    await this.store.decide({ ...this.decision(identity, 'approved', actor), ...shown });
  }

  async reject(identity: string, actor: Actor): Promise<void> {
    await this.store.decide(this.decision(identity, 'rejected', actor));
    await this.settings.audit([
      { at: new Date().toISOString(), actor: actorText(actor), action: 'reject', identity, detail: actor.reason },
    ]);
  }

  async revoke(identity: string, actor: Actor): Promise<void> {
    // An approval whose record was deleted since has nothing left to retire; any other failure reaches the caller.
    await this.settings.retire(identity, actorText(actor), 'approval revoked').catch((err: unknown) => {
      if (!(err instanceof SettingsError && err.status === 404)) throw err;
    });
  }

  approved(identity: string): boolean {
    return this.store.decision(identity)?.kind === 'approved';
  }

  private decision(identity: string, kind: 'approved' | 'rejected', actor: Actor) {
    return {
      identity,
      kind,
      at: new Date().toISOString(),
      by: actor.who,
      address: actor.address,
      ...(actor.reason ? { reason: actor.reason } : {}),
    };
  }
}
