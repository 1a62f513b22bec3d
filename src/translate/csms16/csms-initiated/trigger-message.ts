import type { ChargerState, SentStatusNotification } from '../../charger-state.js';
import type { CsmsCallContext, CsmsInitiatedOperation } from '../../csms-operation.js';
import type { TriggerMessageRequest16, TriggerMessageResponse16 } from '../../../ocpp/v16/types.js';
import { chargerAlive, outstandingFirmwareStatus } from '../../model.js';
import type { FollowUpCall } from '../../operation.js';
import { bootNotification } from '../charger-initiated/boot-notification.js';

export interface TriggerOutcome {
  result: TriggerMessageResponse16;
  /** Sent after the CALLRESULT (1.6 section 5.17: respond before sending the triggered message). */
  followUps: FollowUpCall[];
}

/**
 * 1.2 and 1.5 have no TriggerMessage: the gateway answers it from what it knows about the charger
 * (docs/translation.md#triggermessage). `lastSoapContact` is when the charger was last heard on the SOAP side.
 */
export function triggerMessage(
  request: TriggerMessageRequest16,
  state: ChargerState,
  lastSoapContact: string | undefined,
  ctx: CsmsCallContext,
): TriggerOutcome {
  const accepted = (followUps: FollowUpCall[]): TriggerOutcome => ({ result: { status: 'Accepted' }, followUps });
  const rejected: TriggerOutcome = { result: { status: 'Rejected' }, followUps: [] };
  switch (request.requestedMessage) {
    case 'StatusNotification': {
      // The last status the charger reported, as it was sent upstream, with its original timestamp.
      const ids =
        request.connectorId === undefined
          ? Object.keys(state.connectors)
              .map(Number)
              .sort((a, b) => a - b)
          : [request.connectorId];
      const cached = ids
        .map((id) => state.connectors[String(id)]?.lastStatusSent)
        .filter((s): s is SentStatusNotification => s !== undefined);
      return cached.length > 0
        ? accepted(cached.map((payload) => ({ action: 'StatusNotification', payload })))
        : rejected;
    }
    case 'Heartbeat':
      return chargerAlive(state, lastSoapContact, ctx.now)
        ? accepted([{ action: 'Heartbeat', payload: {} }])
        : rejected;
    case 'BootNotification': {
      // After an accepted boot the CSMS should not ask (errata 3.35/3.40); while Pending, re-send the cached boot.
      if (state.registration === 'Accepted' || !state.lastBoot) return rejected;
      const call = bootNotification.toCall(state.lastBoot.request, state, {
        receivedAt: ctx.now,
        options: ctx.options,
        notes: ctx.notes,
      });
      return call.kind === 'call'
        ? accepted([
            {
              action: 'BootNotification',
              payload: call.payload,
              source: { action: 'BootNotification', request: state.lastBoot.request },
            },
          ])
        : rejected;
    }
    case 'DiagnosticsStatusNotification':
      // Idle is only allowed in reply to a trigger (1.6 section 4.4).
      return accepted([
        { action: 'DiagnosticsStatusNotification', payload: { status: state.diagnostics ? 'Uploading' : 'Idle' } },
      ]);
    case 'FirmwareStatusNotification':
      return accepted([
        { action: 'FirmwareStatusNotification', payload: { status: outstandingFirmwareStatus(state, ctx) } },
      ]);
    case 'MeterValues':
      // The gateway cannot take a fresh sample (errata 3.46 wants the most recent measurements).
      return rejected;
    default:
      return { result: { status: 'NotImplemented' }, followUps: [] };
  }
}

/** TriggerMessage for a dialect without it: always answered by the gateway, never sent to the charger. */
export const triggerMessageOperation: CsmsInitiatedOperation<TriggerMessageRequest16, TriggerMessageResponse16> = {
  csmsAction: 'TriggerMessage',
  toSoap: (request, state, ctx) => {
    const { result, followUps } = triggerMessage(request, state, ctx.lastSoapContact, ctx);
    return { kind: 'answer', result, followUps };
  },
  fromSoap: () => {
    throw new Error('TriggerMessage is answered by the gateway and never sent to a charger without TriggerMessage');
  },
};
