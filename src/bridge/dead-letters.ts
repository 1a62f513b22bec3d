import type { UpstreamJob, UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry, DeadLetter, DeadLetterStore } from '../state/registry.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/log.js';

export function deadLetterOf(
  job: UpstreamJob,
  reason: string,
  attempts: number,
  firstRejectedAt: number,
  deadAt: number,
): DeadLetter {
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
 * A message the gateway kept failing on inside (docs/architecture.md#error-classes) becomes a dead letter. Should even
 * that write fail, the error line carries the whole message: nothing goes without a trace.
 */
export async function deadLetterFailed(
  deadLetters: Pick<DeadLetterStore, 'add'>,
  job: UpstreamJob,
  err: unknown,
  attempts: number,
  logger: Logger,
): Promise<void> {
  const now = Date.now();
  const reason = `gateway failed to process it ${attempts} times: ${(err as Error).message}`;
  const log = logger.child({ chargeBoxIdentity: job.identity, jobId: job.id, action: job.action });
  try {
    await deadLetters.add(deadLetterOf(job, reason, attempts, now, now));
    log.error(`message moved to the dead letters (${reason}); replay or drop it in the admin API`);
  } catch (writeErr) {
    log.error({ err: writeErr, message: job }, `could not keep a failed message as a dead letter (${reason})`);
  }
}

/**
 * The refusals of one stored message the charger was already answered for (docs/architecture.md#delivery-semantics):
 * counted from the first, logged on the first and then at every tenth (a system that refuses for hours must not flood
 * the log), and once `deadLetterAfterHours` have passed since the first, the message becomes a dead letter.
 */
export class RefusalBound {
  private firstAt?: number;
  count = 0;

  constructor(
    private readonly job: UpstreamJob,
    /** Who refuses, for the log: "CSMS", "legacy system". */
    private readonly by: string,
    private readonly deps: {
      registry: Pick<ChargerRegistry, 'deadLetters'>;
      config: { deadLetterAfterHours: number };
    },
  ) {}

  /** One more refusal: true to redeliver, false once the message is a dead letter. */
  async refused(reason: string, log: Logger): Promise<boolean> {
    const now = Date.now();
    this.firstAt ??= now;
    this.count++;
    const hours = this.deps.config.deadLetterAfterHours;
    if (now - this.firstAt >= hours * 3_600_000) {
      await this.deps.registry.deadLetters.add(deadLetterOf(this.job, reason, this.count, this.firstAt, now));
      log.error(
        { rejections: this.count },
        `stored message moved to the dead letters after ${hours} h of refusals (${reason}); replay or drop it in the admin API`,
      );
      return false;
    }
    if (this.count === 1 || this.count % 10 === 0)
      log.warn({ rejections: this.count }, `${this.by} refused a stored message (${reason}); redelivered with backoff`);
    return true;
  }
}

/**
 * The dead letters an operator sees and acts on (docs/architecture.md#delivery-semantics): stored messages the CSMS
 * kept refusing. Replaying one queues it again behind the charger's current messages; dropping one removes it. Both
 * need a reason, and both are logged with it.
 */
export class DeadLetters {
  constructor(
    private readonly registry: Pick<ChargerRegistry, 'deadLetters' | 'queued'>,
    private readonly queue: UpstreamQueue,
    private readonly logger: Logger,
  ) {}

  list(): Promise<DeadLetter[]> {
    return this.registry.deadLetters.list();
  }

  async replay(id: string, reason: string): Promise<DeadLetter | undefined> {
    const entry = await this.registry.deadLetters.remove(id);
    if (!entry) return undefined;
    const message = entry.message as UpstreamJob;
    // A new id: the old one may still name a finished BullMQ job. Acknowledged: nobody waits for its answer.
    const job: UpstreamJob = { ...message, id: newId(), acknowledged: true, deadline: Date.now() };
    this.logger.warn(
      { chargeBoxIdentity: entry.identity, messageId: message.soapMessageId, deadLetter: id, jobId: job.id, reason },
      `operator replayed a dead ${entry.action}: ${reason}`,
    );
    await this.registry.queued.add(entry.identity, 1);
    void this.queue.submit(job, { storeAtOnce: true });
    return entry;
  }

  async drop(id: string, reason: string): Promise<DeadLetter | undefined> {
    const entry = await this.registry.deadLetters.remove(id);
    if (entry)
      this.logger.warn(
        { chargeBoxIdentity: entry.identity, deadLetter: id, action: entry.action, lastRefusal: entry.reason, reason },
        `operator dropped a dead ${entry.action}: ${reason}`,
      );
    return entry;
  }
}
