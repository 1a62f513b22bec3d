import type { ChargerContact, ChargerRegistry } from '../state/registry.js';
import type { Logger } from '../util/log.js';
import { IdTable } from '../util/id-table.js';

/**
 * Each charger's count of queued, unfinished messages: the input of the per-charger bound
 * (docs/translation.md#store-and-forward). One owner for every change: a message is counted when it arrives (with
 * its contact, in one registry round trip), and uncounted when it is finished, when it was refused or could not be
 * queued, or when an operator drops it.
 */
export class QueuedCount {
  /** Each charger's count as its last message here found it. */
  private readonly lastSeen = new IdTable<number>();

  constructor(
    private readonly registry: ChargerRegistry,
    private readonly logger: Logger,
  ) {}

  /**
   * Records a message's arrival and its contact; resolves with the charger's queued count including this message, or
   * undefined when the registry cannot be written. Once this instance has seen the charger, the count its previous
   * message found decides without waiting for the new one (that message has most likely finished, and this one takes
   * its place): the bound guards against a backlog of thousands and may lag one message behind.
   */
  async arrive(identity: string, contact: ChargerContact): Promise<number | undefined> {
    const counted = this.registry.arrive(identity, contact).then(
      (count) => {
        this.lastSeen.set(identity, count);
        return count;
      },
      (err: unknown) => {
        this.logger.error({ err, chargeBoxIdentity: identity }, 'could not record the charger message');
        return undefined;
      },
    );
    return this.lastSeen.get(identity) ?? counted;
  }

  /** One message of the charger left the count: finished, refused, not queued. Not awaited: the count is a bound. */
  release(identity: string): void {
    this.registry.addQueued(identity, -1).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, chargeBoxIdentity: identity }, 'could not update the queued count'));
  }

  /** An operator dropped `count` queued messages of the charger. */
  async dropped(identity: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.registry.addQueued(identity, -1);
  }
}
