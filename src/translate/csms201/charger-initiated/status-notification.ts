import { withConnector, type ChargerState, type ConnectorState } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import { clamp, defined } from '../../field-rules.js';
import type { EmptyPayload } from '../../../ocpp/v16/types.js';
import { isOccupied, reportedStatus, type ModelStatusNotification } from '../../model.js';
import type {
  ConnectorStatus201,
  EmptyPayload201,
  NotifyEventRequest201,
  StatusNotificationRequest201,
} from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation, FollowUpCall } from '../../operation.js';

/**
 * A charger's status in 2.0.1, which has Occupied again (docs/translation-201.md#statusnotification): every 1.2/1.5
 * status is a ConnectorStatusEnumType value, and the 1.6 statuses that split Occupied are Occupied.
 */
export const connectorStatus = (status: string): ConnectorStatus201 =>
  isOccupied(status) ? 'Occupied' : (status as ConnectorStatus201);

/** A status report in the charger's own words. */
type Said = ReturnType<typeof reportedStatus> & { connectorId: number };

/** What the charger reported on its connectors above 0, in order: the EVSEs the gateway knows. */
export const knownEvses = (state: ChargerState): number[] =>
  Object.keys(state.connectors)
    .map(Number)
    .filter((id) => id > 0)
    .sort((a, b) => a - b);

const statusCall = (evseId: number, status: ConnectorStatus201, timestamp: string): FollowUpCall => ({
  action: 'StatusNotification',
  payload: { timestamp, connectorStatus: status, evseId, connectorId: 1 } satisfies StatusNotificationRequest201,
});

/**
 * A fault reported, or cleared, on the connector's (or for connector 0 the station's) Problem variable: the charger's
 * own errorCode is the techCode, the vendor's own codes and text the techInfo (docs/translation-201.md#statusnotification).
 */
function problemEvent(
  req: Said,
  eventId: number,
  timestamp: string,
  ctx: Pick<TranslationContext, 'notes'>,
): FollowUpCall {
  const fault = req.errorCode !== 'NoError';
  const details = [
    req.vendorId && `vendorId ${req.vendorId}`,
    req.vendorErrorCode && `vendorErrorCode ${req.vendorErrorCode}`,
    req.info && `info ${req.info}`,
  ]
    .filter(Boolean)
    .join('; ');
  const payload: NotifyEventRequest201 = {
    generatedAt: timestamp,
    seqNo: 0,
    eventData: [
      defined({
        eventId,
        timestamp,
        trigger: 'Delta' as const,
        actualValue: fault ? 'true' : 'false',
        techCode: fault ? clamp(req.errorCode, 50, 'errorCode', ctx) : undefined,
        techInfo: fault && details ? clamp(details, 500, 'techInfo', ctx) : undefined,
        cleared: fault ? undefined : true,
        eventNotificationType: 'HardWiredNotification' as const,
        component:
          req.connectorId > 0
            ? { name: 'Connector', evse: { id: req.connectorId, connectorId: 1 } }
            : { name: 'ChargingStation' },
        variable: { name: 'Problem' },
      }),
    ],
  };
  return { action: 'NotifyEvent', payload };
}

/** The EVSEs a connector-0 status speaks for, with the status each gets (docs/translation-201.md#connector-0). */
function stationStatuses(req: Said, state: ChargerState): [number, ConnectorStatus201][] {
  const evses = knownEvses(state);
  // The whole station out of service: every EVSE is. Back in service: every EVSE goes back to what it reported itself.
  if (req.status === 'Unavailable' || req.status === 'Faulted')
    return evses.map((id) => [id, connectorStatus(req.status)]);
  return evses
    .map((id): [number, ConnectorState] => [id, state.connectors[String(id)]!])
    .filter(([, c]) => c.chargerStatus !== undefined && c.csmsStatus !== connectorStatus(c.chargerStatus))
    .map(([id, c]) => [id, connectorStatus(c.chargerStatus!)]);
}

/**
 * Every CALL a StatusNotification becomes, in order, and the state after them: StatusNotifications (one per EVSE for
 * connector 0, never evseId 0) and a NotifyEvent when a fault appears, changes or clears. Status and fault are the
 * charger's own words (`reported`: a 1.5 Occupied or Mode3Error as it is).
 */
export function statusCalls(
  model: ModelStatusNotification,
  state: ChargerState,
  ctx: TranslationContext,
): { calls: FollowUpCall[]; state: ChargerState } {
  const req: Said = { ...reportedStatus(model), connectorId: model.connectorId };
  const timestamp = model.timestamp ?? ctx.receivedAt;
  const previous = state.connectors[String(req.connectorId)];
  const statuses: [number, ConnectorStatus201][] =
    req.connectorId > 0 ? [[req.connectorId, connectorStatus(req.status)]] : stationStatuses(req, state);
  const calls = statuses.map(([id, status]) => statusCall(id, status, timestamp));
  let next = state;
  for (const [id, status] of statuses)
    next = withConnector(next, id, (c) => ({
      ...c,
      csmsStatus: status,
      lastStatusSent: calls.find((call) => (call.payload as StatusNotificationRequest201).evseId === id)!
        .payload as StatusNotificationRequest201,
    }));
  const faultChanged =
    req.errorCode !== 'NoError'
      ? previous?.chargerErrorCode !== req.errorCode
      : previous?.chargerErrorCode !== undefined && previous.chargerErrorCode !== 'NoError';
  if (faultChanged) {
    const eventId = state.nextEventId ?? 1;
    calls.push(problemEvent(req, eventId, timestamp, ctx));
    next = { ...next, nextEventId: eventId + 1 };
  }
  if (req.connectorId === 0 && statuses.length === 0 && req.status !== 'Available')
    ctx.notes.push(`connector 0 reported ${req.status}: no EVSE is known to carry it`);
  next = withConnector(next, req.connectorId, (c) => ({
    ...c,
    chargerStatus: req.status,
    chargerErrorCode: req.errorCode,
    transactionJustStopped: isOccupied(req.status) ? c.transactionJustStopped : false,
  }));
  return { calls, state: next };
}

/**
 * docs/translation-201.md#statusnotification. The first CALL goes as the message's own; the others follow the
 * charger's answer. Nothing to send (connector 0 before any EVSE is known, no fault) is answered by the gateway.
 */
export const statusNotification: ChargerInitiatedOperation<
  ModelStatusNotification,
  EmptyPayload,
  object,
  EmptyPayload201
> = {
  chargerAction: 'StatusNotification',
  csmsAction: 'StatusNotification',
  toCall: (req, state, ctx) => {
    const [first] = statusCalls(req, state, ctx).calls;
    if (!first)
      return { kind: 'answer', response: {}, reason: 'connector 0 status with no EVSE to carry it: nothing to send' };
    return { kind: 'call', action: first.action, payload: first.payload };
  },
  toResponse: () => ({}),
  reduce: (state, { request }, ctx) => {
    const { calls, state: next } = statusCalls(request, state, { ...ctx, notes: [] });
    return { state: next, followUps: calls.slice(1) };
  },
};
