import { pino, type Logger } from 'pino';

export type { Logger };

/** Identical warning and error lines after the first within this window are counted, not written. */
const REPEAT_WINDOW_MS = 60_000;
const WARN = 40;

interface Repeat {
  count: number;
  chargers: Set<string>;
  logger: Logger;
  method: pino.LogFn;
}

/**
 * Warnings and errors that repeat the same message (a CSMS outage seen by 5,000 chargers at once) are written once a
 * window, then summed up in one line with the count and some of the chargers, so the log stays readable at 3 a.m.
 */
class RepeatLimiter {
  private readonly open = new Map<string, Repeat>();

  constructor(private readonly windowMs: number) {}

  write(logger: Logger, args: unknown[], method: pino.LogFn, level: number): void {
    const msg = String(typeof args[0] === 'string' ? args[0] : (args[1] ?? ''));
    const key = `${level}\n${msg}`;
    const repeat = this.open.get(key);
    if (!repeat) {
      if (this.open.size < 10_000) {
        this.open.set(key, { count: 0, chargers: new Set(), logger, method });
        setTimeout(() => this.close(key, msg), this.windowMs).unref();
      }
      return void (method as (...a: unknown[]) => void).apply(logger, args);
    }
    repeat.count++;
    const charger =
      (logger.bindings() as { chargeBoxIdentity?: string }).chargeBoxIdentity ??
      (args[0] as { chargeBoxIdentity?: string } | undefined)?.chargeBoxIdentity;
    if (charger && repeat.chargers.size < 1_000) repeat.chargers.add(charger);
  }

  private close(key: string, msg: string): void {
    const repeat = this.open.get(key);
    this.open.delete(key);
    if (!repeat || repeat.count === 0) return;
    const examples = [...repeat.chargers].slice(0, 5);
    const summary = { repeated: repeat.count, chargers: repeat.chargers.size, examples };
    (repeat.method as (...a: unknown[]) => void).call(
      repeat.logger,
      summary,
      `${msg} (repeated ${repeat.count} more times in the last ${this.windowMs / 1000} s)`,
    );
  }
}

/**
 * Structured JSON logs. Every line about a charger carries `chargeBoxIdentity`, and about one message its `messageId`,
 * so that one `grep` finds a charger's whole story at 3 a.m. Secrets are redacted by path as a second line of defence;
 * the first is never to pass them to a logger.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  repeatWindowMs = REPEAT_WINDOW_MS,
): Logger {
  const repeats = new RepeatLimiter(repeatWindowMs);
  return pino(
    {
      level,
      base: { service: 'ocpp-soap-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password',
          '*.password',
          'basicAuthPassword',
          '*.basicAuthPassword',
          'authorization',
          '*.authorization',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method, lvl) {
          if (lvl < WARN) return void (method as (...a: unknown[]) => void).apply(this, args);
          repeats.write(this, args, method, lvl);
        },
      },
    },
    destination,
  );
}
