import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Every line about a charger carries `chargeBoxIdentity`, and about one message its `messageId`,
 * so that one `grep` finds a charger's whole story at 3 a.m. Secrets are redacted by path as a second line of defence;
 * the first is never to pass them to a logger.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ocpp-soap-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['password', '*.password', 'basicAuthPassword', '*.basicAuthPassword', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
