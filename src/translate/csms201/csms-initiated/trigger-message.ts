import type { ChargerState, OpenTransaction } from '../../charger-state.js';
import { defined } from '../../field-rules.js';
import type { CsmsCallContext, CsmsInitiatedOperation, GatewayAnswer } from '../../csms-operation.js';
import { chargerAlive, outstandingFirmwareStatus } from '../../model.js';
import type { FollowUpCall } from '../../operation.js';
import type { TriggerMessageRequest16, TriggerMessageResponse16 } from '../../../ocpp/v16/types.js';
import type { Evse201, StatusNotificationRequest201, TransactionEventRequest201 } from '../../../ocpp/v201/types.js';
import type { TriggerMessageRequest201, TriggerMessageResponse201 } from '../../../ocpp/v201/csms-initiated.js';
import { bootPayload } from '../charger-initiated/boot-notification.js';
import { connectorStatus, knownEvses } from '../charger-initiated/status-notification.js';

type Answer = GatewayAnswer<TriggerMessageResponse201>;

const accepted = (followUps: FollowUpCall[]): Answer => ({ kind: 'answer', result: { status: 'Accepted' }, followUps });
const rejected: Answer = { kind: 'answer', result: { status: 'Rejected' } };

/**
 * The last status of an EVSE as the CSMS got it, with its original timestamp; a status sent while the charger was
 * bridged to 1.6 is told again in 2.0.1 words.
 */
function lastStatus(state: ChargerState, evseId: number, now: string): StatusNotificationRequest201 | undefined {
  const c = state.connectors[String(evseId)];
  if (!c?.chargerStatus) return undefined;
  const sent = c.lastStatusSent as Partial<StatusNotificationRequest201> | undefined;
  if (sent?.connectorStatus !== undefined) return sent as StatusNotificationRequest201;
  return {
    timestamp: sent?.timestamp ?? now,
    connectorStatus: connectorStatus(c.chargerStatus),
    evseId,
    connectorId: 1,
  };
}

function statusNotifications(state: ChargerState, evse: Evse201 | undefined, now: string): Answer {
  const ids = evse ? [evse.id] : knownEvses(state);
  const calls = ids
    .map((id) => lastStatus(state, id, now))
    .filter((s): s is StatusNotificationRequest201 => s !== undefined);
  return calls.length > 0 ? accepted(calls.map((payload) => ({ action: 'StatusNotification', payload }))) : rejected;
}

/**
 * TransactionEvent Updated, triggerReason Trigger, for each open transaction the CSMS knows (on the EVSE, when one is
 * named). Their seqNos are taken under the charger's lock, as the charger's own events take theirs
 * (docs/translation-201.md#seqno).
 */
function transactionEvents(state: ChargerState, evse: Evse201 | undefined, now: string): Answer {
  const open = (s: ChargerState) =>
    Object.values(s.transactions).filter(
      (t) => t.csmsTransactionId !== undefined && (!evse || t.connectorId === evse.id),
    );
  if (open(state).length === 0) return rejected;
  return {
    ...accepted([]),
    update: (current) => {
      const transactions: Record<string, OpenTransaction> = { ...current.transactions };
      const followUps: FollowUpCall[] = open(current).map((tx) => {
        const seqNo = tx.nextSeqNo ?? 1;
        transactions[String(tx.transactionId)] = { ...tx, nextSeqNo: seqNo + 1 };
        const payload: TransactionEventRequest201 = {
          eventType: 'Updated',
          timestamp: now,
          triggerReason: 'Trigger',
          seqNo,
          transactionInfo: { transactionId: tx.csmsTransactionId! },
        };
        return { action: 'TransactionEvent', payload };
      });
      return { state: { ...current, transactions }, followUps };
    },
  };
}

function heartbeat(state: ChargerState, ctx: CsmsCallContext): Answer {
  return chargerAlive(state, ctx.lastSoapContact, ctx.now)
    ? accepted([{ action: 'Heartbeat', payload: {} }])
    : rejected;
}

function bootNotification(state: ChargerState, ctx: CsmsCallContext): Answer {
  // An accepted station does not boot again on request; while Pending the stored boot goes again, reason Triggered.
  if (state.registration === 'Accepted' || !state.lastBoot) return rejected;
  const request = state.lastBoot.request;
  return accepted([
    {
      action: 'BootNotification',
      payload: bootPayload(request, 'Triggered', ctx),
      source: { action: 'BootNotification', request },
    },
  ]);
}

function firmwareStatus(state: ChargerState, ctx: CsmsCallContext): Answer {
  const status = outstandingFirmwareStatus(state, ctx);
  return accepted([
    { action: 'FirmwareStatusNotification', payload: defined({ status, requestId: state.firmware?.requestId }) },
  ]);
}

/** docs/translation-201.md#triggermessage: emulated from the gateway's state, CALLRESULT first. */
export function triggered(r: TriggerMessageRequest201, state: ChargerState, ctx: CsmsCallContext): Answer {
  if (r.evse && (r.evse.id < 1 || (r.evse.connectorId !== undefined && r.evse.connectorId !== 1))) return rejected;
  switch (r.requestedMessage) {
    case 'BootNotification':
      return bootNotification(state, ctx);
    case 'StatusNotification':
      return statusNotifications(state, r.evse, ctx.now);
    case 'Heartbeat':
      return heartbeat(state, ctx);
    case 'TransactionEvent':
      return transactionEvents(state, r.evse, ctx.now);
    case 'FirmwareStatusNotification':
      return firmwareStatus(state, ctx);
    case 'LogStatusNotification':
      return accepted([
        {
          action: 'LogStatusNotification',
          payload: defined({
            status: state.diagnostics ? 'Uploading' : 'Idle',
            requestId: state.diagnostics?.requestId,
          }),
        },
      ]);
    case 'MeterValues':
      // The gateway cannot take a reading now, and an old one is not what the trigger asks for.
      return rejected;
    default:
      return { kind: 'answer', result: { status: 'NotImplemented' } };
  }
}

/** For a charger without TriggerMessage (1.2, 1.5): the emulation. */
export const emulatedTriggerMessage: CsmsInitiatedOperation<TriggerMessageRequest201, TriggerMessageResponse201> = {
  csmsAction: 'TriggerMessage',
  toSoap: (r, state, ctx) => triggered(r, state, ctx),
  fromSoap: () => {
    throw new Error('TriggerMessage is answered by the gateway and never sent to a charger without TriggerMessage');
  },
};

/** The 1.6 message that makes a charger send what 2.0.1 asks for (LogStatusNotification is 1.6's diagnostics status). */
const TRIGGER_16: Readonly<Record<string, string>> = {
  BootNotification: 'BootNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  LogStatusNotification: 'DiagnosticsStatusNotification',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
};

/**
 * For a charger with TriggerMessage (1.6 SOAP), docs/translation-201.md#triggermessage: the 1.6 trigger, the EVSE as
 * connectorId. A TransactionEvent has no 1.6 trigger: the gateway sends it from its state, as for any charger.
 */
export const triggerMessage: CsmsInitiatedOperation<
  TriggerMessageRequest201,
  TriggerMessageResponse201,
  TriggerMessageRequest16,
  TriggerMessageResponse16
> = {
  csmsAction: 'TriggerMessage',
  chargerAction: 'TriggerMessage',
  toSoap: (r, state, ctx) => {
    if (r.evse && (r.evse.id < 1 || (r.evse.connectorId !== undefined && r.evse.connectorId !== 1))) return rejected;
    if (r.requestedMessage === 'TransactionEvent') return transactionEvents(state, r.evse, ctx.now);
    const requestedMessage = TRIGGER_16[r.requestedMessage];
    if (!requestedMessage) return { kind: 'answer', result: { status: 'NotImplemented' } };
    return { kind: 'soap', request: defined({ requestedMessage, connectorId: r.evse?.id }) };
  },
  fromSoap: (response) => ({ status: response.status }),
};
