import assert from 'node:assert/strict';
import { check201 } from '../../../../src/ocpp/v201/protocol.js';
import { emptyChargerState, type ChargerState, type OpenTransaction } from '../../../../src/translate/charger-state.js';
import type { TranslationContext } from '../../../../src/translate/context.js';
import type { CsmsCallContext } from '../../../../src/translate/csms-operation.js';

export function ctx(
  extra: Partial<TranslationContext> = {},
  options: Partial<TranslationContext['options']> = {},
): TranslationContext {
  return {
    receivedAt: '2024-05-01T12:00:00.000Z',
    options: { celsiusUnit: 'Celcius', timezone: 'Z', bootRetryIntervalSec: 60, ...options },
    notes: [],
    messageId: 'msg-1',
    ...extra,
  };
}

export function csmsCtx(extra: Partial<CsmsCallContext> = {}): CsmsCallContext {
  return {
    now: '2024-05-01T12:00:00.000Z',
    options: { celsiusUnit: 'Celcius', timezone: 'Z', bootRetryIntervalSec: 60 },
    gatewayKeys: { webSocketPingInterval: 30, supportedFeatureProfiles: '' },
    upstreamIdentity: 'CP-1',
    notes: [],
    ...extra,
  };
}

export function state(partial: Partial<ChargerState> = {}): ChargerState {
  return { ...emptyChargerState('CP-1'), ...partial };
}

/** An open transaction the 2.0.1 CSMS knows. */
export const tx201 = (extra: Partial<OpenTransaction> = {}): OpenTransaction => ({
  transactionId: 7,
  connectorId: 1,
  idTag: 'TAG',
  startedAt: '2024-05-01T11:00:00.000Z',
  idTagStatus: 'Accepted',
  csmsTransactionId: 'tx-uuid-7',
  nextSeqNo: 1,
  ...extra,
});

/** The payload is valid OCPP 2.0.1 for the action (the official schemas shipped by ocpp-rpc). */
export function assertValid(action: string, kind: 'req' | 'conf', payload: unknown): void {
  const check = check201(action, kind, payload);
  assert.ok(
    check.ok,
    `${action}.${kind} is not valid 2.0.1: ${check.ok ? '' : check.message}\n${JSON.stringify(payload)}`,
  );
}
