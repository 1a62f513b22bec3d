import type { DialectFacts } from '../../ocpp/dialects.js';
import type { ChargerCommand, ChargerReading, DialectModule } from '../modules.js';
import { policiesOf } from './policies.js';
import {
  authorize,
  bootNotification,
  dataTransfer,
  heartbeat,
  type IdTagRule,
  notification,
  startTransaction,
} from './readers.js';

/** What tells one dialect's charger-initiated operations from another's; the rest are read alike. */
export interface DialectReadings {
  idTags: IdTagRule;
  /** Whether the dialect has DataTransfer (1.2 has not). */
  dataTransfer: boolean;
  meterValues: ChargerReading;
  statusNotification: ChargerReading;
  stopTransaction: ChargerReading;
}

/** A dialect module from its facts, how it reads its charger messages and the ChargePointService operations it has. */
export function dialectModule(
  facts: DialectFacts,
  r: DialectReadings,
  commands: readonly ChargerCommand[],
): DialectModule {
  const readings: ChargerReading[] = [
    authorize(r.idTags),
    bootNotification(facts),
    ...(r.dataTransfer ? [dataTransfer] : []),
    notification('DiagnosticsStatusNotification'),
    notification('FirmwareStatusNotification'),
    heartbeat,
    r.meterValues,
    startTransaction(r.idTags),
    r.statusNotification,
    r.stopTransaction,
  ];
  return {
    facts,
    chargerInitiated: new Map(readings.map((reading) => [reading.action, reading])),
    commands: new Map(commands.map((c) => [c.action, c])),
    policies: policiesOf(
      facts,
      readings.map((reading) => reading.action),
    ),
  };
}
