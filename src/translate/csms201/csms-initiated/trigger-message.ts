import type { ChargerState, OpenTransaction } from '../charger-state.js';
import { defined } from '../common.js';
import type { CsmsCallContext, CsmsInitiatedOperation, GatewayAnswer } from '../csms-operation.js';
import type { FollowUpCall } from '../operation.js';
import type { Evse201, StatusNotificationRequest201, TransactionEventRequest201 } from '../../ocpp/v201/types.js';
import type { TriggerMessageRequest201, TriggerMessageResponse201 } from '../../ocpp/v201/csms-initiated.js';
import { bootPayload } from '../v15-v201/boot-notification.js';
import { knownEvses } from '../v15-v201/status-notification.js';

type Answer = GatewayAnswer<TriggerMessageResponse201>;

/** Heartbeat interval assumed when the CSMS never gave one (docs/translation.md#triggermessage). */
const DEFAULT_HEARTBEAT_SEC = 300;

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
    connectorStatus: c.chargerStatus as StatusNotificationRequest201['connectorStatus'],
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
  // Only while the charger is alive on the SOAP side: a heartbeat for a dead charger would be a lie.
  const intervalMs = (state.heartbeatInterval ?? DEFAULT_HEARTBEAT_SEC) * 1000;
  const alive =
    ctx.lastSoapContact !== undefined && Date.parse(ctx.now) - Date.parse(ctx.lastSoapContact) <= intervalMs;
  return alive ? accepted([{ action: 'Heartbeat', payload: {} }]) : rejected;
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
  const fw = state.firmware;
  let status = 'Idle';
  if (fw?.downloaded) status = 'Installing';
  else if (fw && Date.parse(ctx.now) >= Date.parse(fw.retrieveDate)) status = 'Downloading';
  if (status !== 'Idle')
    ctx.notes.push(`FirmwareStatusNotification ${status} inferred from the outstanding UpdateFirmware`);
  return accepted([{ action: 'FirmwareStatusNotification', payload: defined({ status, requestId: fw?.requestId }) }]);
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

export const triggerMessage: CsmsInitiatedOperation<TriggerMessageRequest201, TriggerMessageResponse201> = {
  csmsAction: 'TriggerMessage',
  toSoap: (r, state, ctx) => triggered(r, state, ctx),
  fromSoap: () => {
    throw new Error('TriggerMessage is answered by the gateway and never sent to a 1.5 charger');
  },
};
