import type { UpstreamJob, UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry, DeadLetter } from '../state/registry.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/log.js';

export function deadLetterOf(job: UpstreamJob, reason: string, attempts: number, firstRejectedAt: number, deadAt: number): DeadLetter {
  return {
    id: job.id,
    identity: job.identity,
    action: job.action,
    message: job,
    reason,
    attempts,
    firstRejectedAt: new Date(firstRejectedAt).toISOString(),
    deadAt: new Date(deadAt).toISOString(),
  };
}

/**
 * The dead letters an operator sees and acts on (docs/architecture.md#delivery-semantics): stored messages the CSMS
 * kept refusing. Replaying one queues it again behind the charger's current messages; dropping one removes it. Both
 * need a reason, and both are logged with it.
 */
export class DeadLetters {
  constructor(
    private readonly registry: ChargerRegistry,
    private readonly queue: UpstreamQueue,
    private readonly logger: Logger,
  ) {}

  list(): Promise<DeadLetter[]> {
    return this.registry.deadLetters();
  }

  async replay(id: string, reason: string): Promise<DeadLetter | undefined> {
    const entry = await this.registry.removeDeadLetter(id);
    if (!entry) return undefined;
    const message = entry.message as UpstreamJob;
    // A new id: the old one may still name a finished BullMQ job. Acknowledged: nobody waits for its answer.
    const job: UpstreamJob = { ...message, id: newId(), acknowledged: true, deadline: Date.now() };
    this.logger.warn({ chargeBoxIdentity: entry.identity, messageId: message.soapMessageId, deadLetter: id, jobId: job.id, reason }, `operator replayed a dead ${entry.action}: ${reason}`);
    await this.registry.addQueued(entry.identity, 1);
    void this.queue.submit(job, { storeAtOnce: true });
    return entry;
  }

  async drop(id: string, reason: string): Promise<DeadLetter | undefined> {
    const entry = await this.registry.removeDeadLetter(id);
    if (entry) this.logger.warn({ chargeBoxIdentity: entry.identity, deadLetter: id, action: entry.action, lastRefusal: entry.reason, reason }, `operator dropped a dead ${entry.action}: ${reason}`);
    return entry;
  }
}
