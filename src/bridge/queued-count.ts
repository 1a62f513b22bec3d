import type { FinishedMessages } from '../queue/upstream-queue.js';
import type { Arrival, ArrivalOptions, ChargerContact, ChargerRegistry } from '../state/registry.js';
import type { Logger } from '../util/log.js';

/**
 * Each charger's count of queued, unfinished messages: the input of the per-charger bound
 * (docs/translation.md#store-and-forward). One owner for every change: a message is counted when it arrives (with
 * its contact and the charger's backlog flag, in one registry round trip), and uncounted when the queue reports it
 * finished (FinishedMessages; in Redis, a message delivered directly is uncounted by the queue's own script), when it
 * was refused or could not be queued, or when an operator drops it.
 */
export class QueuedCount implements FinishedMessages {
  constructor(
    private readonly registry: Pick<ChargerRegistry, 'contacts' | 'queued'>,
    private readonly logger: Logger,
  ) {}

  /** Records a message's arrival and its contact; undefined when the registry cannot be written. */
  async arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival | undefined> {
    try {
      return await this.registry.contacts.arrive(identity, contact, options);
    } catch (err) {
      this.logger.error({ err, chargeBoxIdentity: identity }, 'could not record the charger message');
      return undefined;
    }
  }

  /** One message of the charger left the count: finished, refused, not queued. Not awaited: the count is a bound. */
  release(identity: string): void {
    this.registry.queued
      .add(identity, -1)
      .catch((err: unknown) =>
        this.logger.warn(
          { err: (err as Error).message, chargeBoxIdentity: identity },
          'could not update the queued count',
        ),
      );
  }

  /** The queue's processor ended the message without an error. */
  finished(identity: string): void {
    this.release(identity);
  }

  /** Where the count is kept in Redis, for the queue's scripts that drop it themselves; undefined without Redis. */
  redisKey(identity: string): string | undefined {
    return this.registry.queued.key?.(identity);
  }

  /** An operator dropped `count` queued messages of the charger, or a start found `count` of them still queued. */
  async add(identity: string, count: number): Promise<void> {
    const delta = count < 0 ? -1 : 1;
    for (let i = 0; i < Math.abs(count); i++) await this.registry.queued.add(identity, delta);
  }
}
