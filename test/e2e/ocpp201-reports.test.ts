import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RpcServerClient } from '../helpers/csms-peer.js';
import { commandSite, type Event, req } from '../helpers/ocpp201-session.js';
import { until } from '../helpers/wait.js';

/**
 * OCPP 2.0.1 reports, triggers and refusals from the CSMS to a node-soap 1.5 charger (docs/translation-201.md):
 * NotifyReport from the charger configuration, TriggerMessage and NotifyEvent, and the codes for what a 1.5 charger
 * cannot do or a CALL that is not valid.
 */

/** A frame ocpp-rpc would refuse to send (unknown action, invalid payload), and the gateway's answer to it. */
function rawCall(client: RpcServerClient, id: string, action: string, payload: object): Promise<unknown[]> {
  return new Promise((resolve) => {
    client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
      const frame = JSON.parse(message) as unknown[];
      if (!outbound && frame[1] === id) resolve(frame);
    });
    (client as unknown as { sendRaw(m: string): void }).sendRaw(JSON.stringify([2, id, action, payload]));
  });
}

describe('OCPP 2.0.1 CSMS -> charger: reports, triggers and refusals against a node-soap charger', () => {
  const site = commandSite('CP-201-CMD');
  const { identity, csms, cp, command, callsAfter } = site;

  it('GetBaseReport and GetReport: Accepted, then NotifyReport in chunks (seqNo counting, tbc until the last) from the configuration and the gateway', async () => {
    const keys = [
      'HeartBeatInterval',
      'ConnectionTimeOut',
      'ResetRetries',
      'LocalPreAuthorize',
      'LocalAuthorizeOffline',
      'AuthorizeRemoteTxRequests',
      'AuthorizationCacheEnabled',
      'LocalAuthListEnabled',
    ];
    cp.answers.GetConfiguration = () => ({
      configurationKey: [
        ...keys.map((key) => ({ key, readonly: false, value: key === 'HeartBeatInterval' ? '300' : 'true' })),
        { key: 'NumberOfConnectors', readonly: true, value: '3' },
      ],
      unknownKey: [],
    });
    const before = csms.callsFor(identity, 'NotifyReport').length;
    assert.deepEqual((await command('GetBaseReport', { requestId: 77, reportBase: 'FullInventory' })).result, {
      status: 'Accepted',
    });
    await until(() => callsAfter(before, 'NotifyReport').some((c) => c.payload.tbc === false), 'the last NotifyReport');
    const reports = callsAfter(before, 'NotifyReport').map((c) => c.payload);
    assert.ok(reports.length >= 2, `${reports.length} NotifyReports`);
    assert.deepEqual(
      reports.map((r) => [r.requestId, r.seqNo, r.tbc]),
      reports.map((_, i) => [77, i, i < reports.length - 1]),
    );
    const data = reports.flatMap((r) => r.reportData as any[]);
    assert.ok(
      data.some(
        (d) =>
          d.component.name === 'OCPPCommCtrlr' &&
          d.variable.name === 'HeartbeatInterval' &&
          d.variableAttribute[0].value === '300',
      ),
    );
    assert.ok(
      data.some(
        (d) =>
          d.component.name === 'SecurityCtrlr' &&
          d.variable.name === 'Identity' &&
          d.variableAttribute[0].value === identity,
      ),
    );
    assert.ok(
      data.some(
        (d) => d.component.name === 'Connector' && d.component.evse.id === 3 && d.variable.name === 'Available',
      ),
      'EVSEs from NumberOfConnectors',
    );
    const partial = csms.callsFor(identity, 'NotifyReport').length;
    assert.deepEqual(
      (await command('GetReport', { requestId: 78, componentVariable: [{ component: { name: 'AuthCtrlr' } }] })).result,
      { status: 'Accepted' },
    );
    await until(() => callsAfter(partial, 'NotifyReport').length === 1, 'the NotifyReport of GetReport');
    assert.deepEqual(
      (callsAfter(partial, 'NotifyReport')[0]!.payload.reportData as any[]).map((d) => d.variable.name),
      ['LocalPreAuthorize', 'LocalAuthorizeOffline', 'AuthorizeRemoteStart'],
    );
    assert.deepEqual((await command('GetReport', { requestId: 79, componentCriteria: ['Problem'] })).result, {
      status: 'NotSupported',
      statusInfo: { reasonCode: 'NoCriteria' },
    });
    delete cp.answers.GetConfiguration;
  });

  it('TriggerMessage and the status of a faulted connector, reported with a NotifyEvent', async () => {
    const events = csms.callsFor(identity, 'NotifyEvent').length;
    await site.charger.call('StatusNotification', req.status(1, 'Faulted', 'GroundFailure', { vendorErrorCode: 'E7' }));
    // The NotifyEvent follows the StatusNotification, after the charger has its answer.
    await until(() => callsAfter(events, 'NotifyEvent').length === 1, 'the NotifyEvent of the fault');
    const problem = (callsAfter(events, 'NotifyEvent')[0]!.payload as { eventData: Record<string, unknown>[] })
      .eventData[0]!;
    assert.deepEqual(
      [problem.component, problem.variable, problem.actualValue, problem.techCode, problem.techInfo],
      [
        { name: 'Connector', evse: { id: 1, connectorId: 1 } },
        { name: 'Problem' },
        'true',
        'GroundFailure',
        'vendorErrorCode E7',
      ],
    );
    const statuses = csms.callsFor(identity, 'StatusNotification').length;
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1 } })).result,
      { status: 'Accepted' },
    );
    await until(() => callsAfter(statuses, 'StatusNotification').length === 1, 'the triggered StatusNotification');
    assert.equal(callsAfter(statuses, 'StatusNotification')[0]!.payload.connectorStatus, 'Faulted');
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'TransactionEvent' })).result,
      { status: 'Rejected' },
      'no open transaction',
    );
    const tx = (await site.charger.call<{ transactionId: number }>('StartTransaction', req.start(2, 'TRG', 0))).result
      .transactionId;
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).result,
      { status: 'Accepted' },
    );
    await until(
      () => csms.callsFor(identity, 'TransactionEvent').at(-1)!.payload.triggerReason === 'Trigger',
      'the triggered TransactionEvent',
    );
    await site.charger.call('StopTransaction', req.stop(tx, 5));
    const list = csms
      .callsFor(identity, 'TransactionEvent')
      .map((c) => c.payload as Event)
      .slice(-3);
    assert.deepEqual(
      list.map((e) => [e.eventType, e.seqNo, e.triggerReason]),
      [
        ['Started', 0, 'Authorized'],
        ['Updated', 1, 'Trigger'],
        ['Ended', 2, 'ChargingStateChanged'],
      ],
    );
  });

  it('NotSupported for what a 1.5 charger cannot do, NotImplemented for an unknown action, 2.0.1 codes for a malformed CALL', async () => {
    for (const [action, payload] of [
      [
        'SetChargingProfile',
        {
          evseId: 1,
          chargingProfile: {
            id: 1,
            stackLevel: 0,
            chargingProfilePurpose: 'TxDefaultProfile',
            chargingProfileKind: 'Absolute',
            chargingSchedule: [
              { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
            ],
          },
        },
      ],
      ['GetInstalledCertificateIds', {}],
      [
        'SetDisplayMessage',
        { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'hi' } } },
      ],
      ['GetTransactionStatus', {}],
    ] as [string, object][]) {
      assert.equal((await command(action, payload)).code, 'NotSupported', action);
    }
    assert.deepEqual((await rawCall(site.client, 'raw-unknown', 'FlyToTheMoon', {})).slice(0, 3), [
      4,
      'raw-unknown',
      'NotImplemented',
    ]);
    assert.deepEqual((await rawCall(site.client, 'raw-missing', 'Reset', {})).slice(0, 3), [
      4,
      'raw-missing',
      'OccurrenceConstraintViolation',
    ]);
    assert.deepEqual((await rawCall(site.client, 'raw-type', 'Reset', { type: 7 })).slice(0, 3), [
      4,
      'raw-type',
      'TypeConstraintViolation',
    ]);
  });
});
