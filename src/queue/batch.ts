import { DelayedError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import type { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { FIRST_PATH } from '../ocpp/protocols.js';
import { fencedCommand, FencedOut, type Fence } from '../util/lua-command.js';
import {
  failedInside,
  givenBack,
  LeftInQueue,
  UNEXPECTED_ATTEMPTS,
  type FinishedMessages,
  type JobOutcome,
  type JobProcessor,
  type UpstreamJob,
} from './upstream-queue.js';

/**
 * One BullMQ job: the messages of one partition that arrived at one instance in the same turn of its event loop
 * (group commit), in arrival order. `replyTo` is the instance whose HTTP requests wait for the outcomes.
 */
export interface BatchJobData {
  replyTo: string;
  messages: UpstreamJob[];
  /** The message failed inside the gateway this many times before it became this job (direct delivery). */
  failedBefore?: number;
}

/** Jobs written before batching carried one message each; they are still read after an upgrade. */
type SingleJobData = UpstreamJob & { replyTo: string };

/** The messages of a job, each with its route (messages queued before routes were recorded get the first one). */
export function messagesOf(data: BatchJobData | SingleJobData): UpstreamJob[] {
  if ('messages' in data && Array.isArray(data.messages)) return data.messages.map(withRoute);
  const { replyTo: _replyTo, ...job } = data as SingleJobData;
  return [withRoute(job)];
}

export function withRoute(job: UpstreamJob): UpstreamJob {
  return job.source && job.target ? job : { ...FIRST_PATH, ...job };
}

/** How long a finished message of an unfinished batch goes unrecorded: the window in which a crash duplicates it. */
const RECORD_AFTER_MS = 100;
/** Progress of a batch that is retried for days (a long CSMS outage) is kept as long as the job may live. */
const KEEP_MS = 14 * 24 * 3600 * 1000;
/**
 * After the batch completes, its record outlives the BullMQ acknowledgement long enough for a crash between the two
 * (the batch then returns as stalled within seconds) not to resend what was finished.
 */
const KEEP_AFTER_FINISH_MS = 5 * 60 * 1000;

/**
 * Which messages of a running batch are finished, so that a batch handed to another consumer (the instance died,
 * or the job failed and is retried) does not send them to the CSMS again.
 *
 * Most batches finish within milliseconds, and the whole batch is acknowledged to BullMQ at once: for them nothing
 * is written. Only a batch still running RECORD_AFTER_MS after one of its messages finished (a message that waits
 * for the CSMS to come back) records its finished messages in `<key>`, a hash that expires a few minutes after the
 * batch completes.
 */
export class BatchProgress {
  private readonly unrecorded: string[] = [];
  private recorded = false;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Messages an earlier run of this batch finished. */
  async finishedBefore(): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.key));
  }

  markDone(messageId: string): void {
    this.unrecorded.push(messageId);
    this.timer ??= setTimeout(() => void this.record(), RECORD_AFTER_MS).unref();
  }

  /** Writes what is not recorded yet (before a failed batch goes back to BullMQ for a retry). */
  record(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unrecorded.length === 0) return this.writing;
    const ids = this.unrecorded.splice(0);
    const fields = Object.fromEntries(ids.map((id) => [id, '1']));
    this.recorded = true;
    this.writing = this.writing
      .then(() => this.redis.multi().hset(this.key, fields).pexpire(this.key, KEEP_MS).exec())
      .then(
        () => undefined,
        (err: unknown) => this.onError(err),
      );
    return this.writing;
  }

  /** The batch is complete: nothing more to record, and a record written earlier is soon no longer needed. */
  async finish(): Promise<void> {
    if (!this.recorded) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    await this.record();
    await this.redis.pexpire(this.key, KEEP_AFTER_FINISH_MS).then(
      () => undefined,
      (err: unknown) => this.onError(err),
    );
  }
}

export interface BatchRunDeps {
  redis: Redis;
  /** Where this batch's progress is recorded (BatchProgress). */
  progressKey: string;
  logger: Logger;
  processor: JobProcessor;
  /** Told of each message the processor ended without an error (UpstreamQueue.start). */
  finished?: FinishedMessages;
  /** The per-charger lock shared with direct delivery. */
  serialiser: KeyedSerialiser;
  /** Brings an outcome to the instance whose request waits for it. */
  deliver(replyTo: string, jobId: string, outcome: JobOutcome): void;
  /** The worker's lock token for this job. */
  token?: string;
  /** What this consumer's writes of the partition's jobs are conditional on (LeaseManager.fence). */
  fence(): Fence | undefined;
  /** The chargers among these that have an unfinished job older than this one (ChargerJobs.blocked). */
  blocked(identities: readonly string[]): Promise<Set<string>>;
  /**
   * Resolves when a job of one of these chargers next finishes on this instance (FinishSignal), or after a poll
   * interval (the older job may be another instance's): a blocked charger is looked at again then.
   */
  finishedHere(identities: readonly string[]): Promise<void>;
  /** The instance is stopping: a batch waiting for an older job steps back at once. */
  closing(): boolean;
  /**
   * False once the partition's lease may have passed to another instance (LeaseManager.fresh): no message of the job
   * is delivered from then on; the job is left to the lease's new holder.
   */
  owner(): boolean;
  /** Keeps a message that failed UNEXPECTED_ATTEMPTS times inside the gateway as a dead letter. */
  deadLetter?(job: UpstreamJob, err: unknown, attempts: number): Promise<void>;
}

/** How long a batch waits for an older job of one of its chargers before it steps back (moved to delayed). */
const BLOCKED_WAIT_MS = 15_000;

/**
 * Runs one BullMQ job: its messages, each under its charger's lock, skipping those an earlier run of the job finished.
 *
 * Order per charger (docs/architecture.md#order-across-crashes): a charger's messages run only from its oldest
 * unfinished job. A job that comes back out of order (a stalled job of an instance that died returns to the queue
 * after later ones were fetched) holds the later jobs of its chargers back; a batch that waits longer than
 * BLOCKED_WAIT_MS steps back to the delayed set. A stopping gateway puts the job back at the head of the queue
 * (WaitingError), which BullMQ does not count as a failed attempt. A failed batch goes back to BullMQ, which retries it
 * without its finished messages.
 */
export async function runBatch(bullJob: Job<BatchJobData>, deps: BatchRunDeps): Promise<void> {
  const messages = messagesOf(bullJob.data);
  const onError = (err: unknown) =>
    deps.logger.warn({ err: (err as Error).message, batch: bullJob.id }, 'could not record the progress of a batch');
  const progress = messages.length > 1 ? new BatchProgress(deps.redis, deps.progressKey, onError) : undefined;
  // Started before (its instance died, or it failed): what that run finished is not sent again.
  const finished = progress && bullJob.attemptsStarted > 1 ? await progress.finishedBefore() : new Set<string>();
  const todo = messages.filter((job) => !finished.has(job.id));
  const failure = await runInOrder(bullJob, todo, deps, progress);
  if (failure === undefined) return void (await progress?.finish());
  await progress?.record();
  if (failure instanceof LeftInQueue) {
    // A lapsed lease: BullMQ refuses the move when the job's lock has passed on with it (the new holder has the job).
    await bullJob.moveToWait(deps.token);
    throw new WaitingError(failure.message);
  }
  if (failure === STEP_BACK) {
    await bullJob.moveToDelayed(Date.now() + 1_000, deps.token);
    throw new DelayedError('an older job of one of its chargers is not finished yet');
  }
  throw failure;
}

const STEP_BACK = Symbol('step back');

/** Runs the messages whose chargers have no older unfinished job, waiting (bounded) for the others. */
async function runInOrder(
  bullJob: Job<BatchJobData>,
  todo: UpstreamJob[],
  deps: BatchRunDeps,
  progress: BatchProgress | undefined,
): Promise<unknown> {
  let failure: unknown;
  const replyTo = bullJob.data.replyTo;
  const runOne = async (job: UpstreamJob) => {
    let replied = false;
    const reply = (outcome: JobOutcome) => {
      if (replied) return;
      replied = true;
      if (outcome.kind === 'stored' || job.acknowledged) rememberAcknowledged(bullJob, job, deps);
      deps.deliver(replyTo, job.id, outcome);
    };
    try {
      if (!deps.owner()) throw new LeftInQueue('partition lease lapsed (instance frozen or cut off): not delivering');
      await deps.processor(job, reply);
      deps.finished?.finished(job.identity);
      progress?.markDone(job.id);
    } catch (err) {
      if (err instanceof LeftInQueue || (await tryAgain(bullJob, job, err, deps, reply))) failure ??= err;
      else progress?.markDone(job.id);
    }
  };
  let waiting = [...new Set(todo.map((job) => job.identity))];
  const deadline = Date.now() + BLOCKED_WAIT_MS;
  const runs: Promise<void>[] = [];
  for (;;) {
    const blocked = await deps.blocked(waiting);
    for (const job of todo)
      if (waiting.includes(job.identity) && !blocked.has(job.identity))
        runs.push(deps.serialiser.run(job.identity, () => runOne(job)));
    waiting = waiting.filter((identity) => blocked.has(identity));
    if (waiting.length === 0 || Date.now() >= deadline || deps.closing()) break;
    await deps.finishedHere(waiting);
  }
  await Promise.all(runs);
  if (failure === undefined && waiting.length > 0) {
    deps.logger.info(
      { batch: bullJob.id, chargers: waiting },
      'an older job of these chargers is not finished yet: this job steps back and comes again',
    );
    return STEP_BACK;
  }
  return failure;
}

/**
 * A message failed inside the gateway (docs/architecture.md#error-classes): a charger that still waits gets 503 and
 * the message back; one it was answered for is tried again by BullMQ (the job's backoff), and after
 * UNEXPECTED_ATTEMPTS becomes a dead letter. True when the job is to be tried again.
 */
async function tryAgain(
  bullJob: Job<BatchJobData>,
  job: UpstreamJob,
  err: unknown,
  deps: BatchRunDeps,
  reply: (outcome: JobOutcome) => void,
): Promise<boolean> {
  const attempt = (bullJob.data.failedBefore ?? 0) + bullJob.attemptsMade + 1;
  deps.logger.error(
    { err, chargeBoxIdentity: job.identity, jobId: job.id, attempt },
    'message failed inside the gateway',
  );
  reply(failedInside);
  if (givenBack(job)) return false;
  if (attempt < UNEXPECTED_ATTEMPTS) return true;
  await deps.deadLetter?.(job, err, attempt);
  return false;
}

/**
 * Rewrites a job's data (BullMQ's updateData) only while the job's lock is still the given one and the partition's
 * fencing token is the writer's (fencedLua): a stale consumer cannot change a job its successor holds.
 * KEYS (after the token's): the job, its lock; ARGV (after the token): the lock token, the data as JSON.
 */
const UPDATE_DATA = `if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
return redis.call('HSET', KEYS[2], 'data', ARGV[3])`;

/**
 * The charger was told the message is kept (stored, or a local transaction id): the job in Redis says so too, so that
 * after a restart a refusal by the CSMS is redelivered rather than answered to a charger that no longer waits.
 */
function rememberAcknowledged(bullJob: Job<BatchJobData>, job: UpstreamJob, deps: BatchRunDeps): void {
  job.acknowledged = true;
  const messages = messagesOf(bullJob.data).map((m) => (m.id === job.id ? job : m));
  const data = { replyTo: bullJob.data.replyTo, messages };
  bullJob.data = data;
  const jobKey = `${bullJob.queueQualifiedName}:${bullJob.id}`;
  const update = fencedCommand<[job: string, lock: string], [token: string, data: string]>(
    deps.redis,
    2,
    UPDATE_DATA,
    `${jobKey}:unfenced`,
  );
  update(deps.fence(), [jobKey, `${jobKey}:lock`], [deps.token ?? '', JSON.stringify(data)]).catch(
    (err: unknown) =>
      err instanceof FencedOut ||
      deps.logger.warn(
        { err: (err as Error).message, chargeBoxIdentity: job.identity, jobId: job.id },
        'could not record in Redis that a stored message was acknowledged',
      ),
  );
}
