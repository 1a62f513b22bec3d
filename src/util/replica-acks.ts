import type { Redis } from 'ioredis';

/**
 * Confirms that writes already answered by the Redis primary have reached `min` replicas (Redis WAIT), before a
 * charger is told its message is stored: a failover then cannot lose it (docs/operations.md#redis-with-sentinel).
 *
 * WAIT waits for the last write of the connection it is sent on, and blocks that connection meanwhile. So the rounds
 * go on a connection of their own: each round first writes a counter (after every write it must cover was answered,
 * so that its replication offset is beyond theirs), then WAITs. Callers that arrive while a round is out share the
 * next one: one round trip to the replicas covers every message of that moment.
 */
export class ReplicaAcks {
  private next?: { promise: Promise<void>; start: () => void };
  private inFlight?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly min: number,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once every write answered before this call is on `min` replicas; rejects when fewer confirm in time. */
  confirm(): Promise<void> {
    if (this.min <= 0) return Promise.resolve();
    if (this.next) return this.next.promise;
    let start!: () => void;
    const promise = new Promise<void>((resolve) => (start = resolve)).then(() => this.round());
    this.next = { promise, start };
    if (!this.inFlight) this.launch();
    return promise;
  }

  private launch(): void {
    const next = this.next;
    if (!next) return;
    this.next = undefined;
    this.inFlight = next.promise.finally(() => {
      this.inFlight = undefined;
      this.launch();
    });
    this.inFlight.catch(() => undefined);
    next.start();
  }

  private async round(): Promise<void> {
    await this.redis.incr(this.key);
    const acked = Number(await this.redis.call('WAIT', String(this.min), String(this.timeoutMs)));
    if (acked < this.min)
      throw new Error(`only ${acked} of ${this.min} Redis replicas acknowledged the write in ${this.timeoutMs} ms`);
  }
}
