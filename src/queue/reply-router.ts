import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import { IdTable } from '../util/id-table.js';
import type { JobOutcome } from './upstream-queue.js';

interface ReplyMessage {
  jobId: string;
  outcome: JobOutcome;
}

/**
 * Brings each message's outcome back to the HTTP request that waits for it (docs/architecture.md#scale-out): directly
 * when the request waits on this instance, else over the waiting instance's own Redis pub/sub channel
 * `<prefix>:reply:<instanceId>`. Nothing polls.
 */
export class ReplyRouter {
  private readonly waiters = new IdTable<(outcome: JobOutcome) => void>();
  private readonly subscriber: Redis;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    readonly instanceId: string,
    private readonly logger: Logger,
    /** Adds the error listener and readiness tracking to the subscriber connection. */
    watch: (subscriber: Redis) => Redis = (subscriber) => subscriber,
  ) {
    this.subscriber = watch(connection.duplicate());
  }

  private channel(instanceId: string): string {
    return `${this.prefix}:reply:${instanceId}`;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel, message) => {
      try {
        const { jobId, outcome } = JSON.parse(message) as ReplyMessage;
        this.waiters.get(jobId)?.(outcome);
      } catch (err) {
        this.logger.error({ err }, 'unreadable reply message on the reply channel');
      }
    });
    await this.subscriber.subscribe(this.channel(this.instanceId));
  }

  /** A request of this instance waits for the outcome of `jobId`. */
  expect(jobId: string, settle: (outcome: JobOutcome) => void): void {
    this.waiters.set(jobId, settle);
  }

  /** Stops waiting; false when nothing waited (the outcome came already). */
  forget(jobId: string): boolean {
    return this.waiters.delete(jobId);
  }

  /** Requests of this instance waiting for an outcome. */
  get waiting(): number {
    return this.waiters.size;
  }

  deliver(replyTo: string, jobId: string, outcome: JobOutcome): void {
    if (replyTo === this.instanceId) {
      this.waiters.get(jobId)?.(outcome);
      return;
    }
    const message: ReplyMessage = { jobId, outcome };
    this.connection.publish(this.channel(replyTo), JSON.stringify(message)).catch((err: unknown) => {
      this.logger.error({ err, jobId }, 'could not publish a reply');
    });
  }

  /** Shutdown: every request still waiting here is answered with `outcome`. */
  close(outcome: JobOutcome): void {
    for (const settle of this.waiters.values()) settle(outcome);
    this.subscriber.disconnect();
  }
}
