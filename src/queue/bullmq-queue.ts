import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { partitionOf } from './partition.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { shuttingDown, type JobOutcome, type JobProcessor, type UpstreamJob, type UpstreamQueue } from './upstream-queue.js';

interface ReplyMessage {
  jobId: string;
  outcome: JobOutcome;
}

export interface BullmqQueueOptions {
  redisUrl: string;
  prefix: string;
  partitions: number;
  /** Jobs processed at once per partition (different chargers; one charger is always one at a time). */
  concurrency?: number;
  logger: Logger;
}

/**
 * Upstream jobs on BullMQ: one queue per partition (a hash of the identity), per-charger FIFO by queue order and
 * a per-charger lock in the consumer. The outcome goes back to the instance whose HTTP request waits for it over
 * that instance's own Redis pub/sub channel (architecture: "Scale-out"), or directly when it is the same instance.
 */
export class BullmqQueue implements UpstreamQueue {
  readonly kind = 'bullmq';
  readonly instanceId = randomUUID();
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];
  /** Connections handed to BullMQ; BullMQ does not close connections it was given. */
  private readonly workerConnections: Redis[] = [];
  private readonly waiters = new Map<string, (outcome: JobOutcome) => void>();
  private readonly serialiser = new KeyedSerialiser();

  constructor(private readonly options: BullmqQueueOptions) {
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = this.connection.duplicate();
    for (let p = 0; p < options.partitions; p++) {
      this.queues.push(new Queue(`upstream-p${p}`, { connection: this.connection as ConnectionOptions, prefix: options.prefix }));
    }
  }

  private get replyChannel(): string {
    return `${this.options.prefix}:reply:${this.instanceId}`;
  }

  async start(processor: JobProcessor): Promise<void> {
    this.subscriber.on('message', (_channel, message) => {
      try {
        const { jobId, outcome } = JSON.parse(message) as ReplyMessage;
        this.waiters.get(jobId)?.(outcome);
      } catch (err) {
        this.options.logger.error({ err }, 'unreadable reply message on the reply channel');
      }
    });
    await this.subscriber.subscribe(this.replyChannel);
    for (let p = 0; p < this.options.partitions; p++) {
      const worker = new Worker<UpstreamJob & { replyTo: string }>(
        `upstream-p${p}`,
        async (bullJob) => {
          const job = bullJob.data;
          let replied = false;
          const reply = (outcome: JobOutcome) => {
            if (replied) return;
            replied = true;
            this.deliver(job.replyTo, job.id, outcome);
          };
          await this.serialiser.run(job.identity, async () => {
            try {
              await processor(job, reply);
            } catch (err) {
              this.options.logger.error({ err, chargeBoxIdentity: job.identity, jobId: job.id }, 'upstream job failed inside the gateway');
              reply({ kind: 'fault', fault: { code: 'Receiver', subcode: 'InternalError', reason: 'gateway failed to process the message' } });
              throw err;
            }
          });
        },
        {
          connection: this.workerConnection() as ConnectionOptions,
          prefix: this.options.prefix,
          concurrency: this.options.concurrency ?? 64,
          removeOnComplete: { count: 0 },
          removeOnFail: { count: 1000 },
        },
      );
      worker.on('error', (err) => this.options.logger.error({ err, partition: p }, 'BullMQ worker error'));
      this.workers.push(worker);
    }
  }

  private workerConnection(): Redis {
    const connection = this.connection.duplicate();
    this.workerConnections.push(connection);
    return connection;
  }

  private deliver(replyTo: string, jobId: string, outcome: JobOutcome): void {
    if (replyTo === this.instanceId) {
      this.waiters.get(jobId)?.(outcome);
      return;
    }
    const message: ReplyMessage = { jobId, outcome };
    this.connection.publish(`${this.options.prefix}:reply:${replyTo}`, JSON.stringify(message)).catch((err: unknown) => {
      this.options.logger.error({ err, jobId }, 'could not publish a reply');
    });
  }

  submit(job: UpstreamJob): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      const settle = (outcome: JobOutcome) => {
        if (!this.waiters.delete(job.id)) return;
        clearTimeout(timer);
        resolve(outcome);
      };
      let queued = false;
      const timer = setTimeout(() => settle({ kind: 'expired', queued }), Math.max(0, job.deadline - Date.now()));
      this.waiters.set(job.id, settle);
      const queue = this.queues[partitionOf(job.identity, this.options.partitions)]!;
      // A job that was active on an instance that stopped is picked up again (attempts), never dropped.
      queue.add(job.action, { ...job, replyTo: this.instanceId }, { jobId: job.id, attempts: 20, backoff: { type: 'exponential', delay: 1_000 } }).then(
        () => {
          queued = true;
        },
        (err: unknown) => {
          this.options.logger.error({ err, chargeBoxIdentity: job.identity }, 'could not queue a message in Redis');
          settle({ kind: 'retry', reason: 'gateway queue (Redis) unavailable' });
        },
      );
    });
  }

  async depth(): Promise<number> {
    const counts = await Promise.all(this.queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed')));
    return counts.reduce((sum, c) => sum + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0), 0);
  }

  /** Redis for the registry and readiness checks, shared with the queues. */
  get redis(): Redis {
    return this.connection;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.queues.map((q) => q.close()));
    for (const settle of this.waiters.values()) settle(shuttingDown);
    for (const connection of this.workerConnections) connection.disconnect();
    this.subscriber.disconnect();
    this.connection.disconnect();
  }
}
