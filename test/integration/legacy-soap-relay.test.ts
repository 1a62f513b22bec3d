import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { NS } from '../../src/soap/namespaces.js';
import { child } from '../../src/soap/xml.js';
import { legacyFault } from '../helpers/legacy-cs.js';
import { DIALECT, rejection, relaySite } from '../helpers/legacy-soap.js';
import { freePort } from '../helpers/processes.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';

/**
 * The relay of a legacy central system's calls to a node-soap charger: calls and answers both ways, the answer
 * envelope, the charger's identity, Faults, and a caller that is not allowed.
 */

describe('ChargePointService relay: the legacy system calls chargers through the gateway', () => {
  const site = relaySite();
  const { legacy, charger, tokens, sinkCalls, callbacks } = site;

  it("RemoteStartTransaction, Reset and GetConfiguration of the legacy system reach the charger and the charger's answers come back", async () => {
    assert.equal(legacy.chargerAddresses.get('CP-R1'), `${site.relayUrl}/CP-R1/${tokens.tokenOf('CP-R1')}`);
    charger.answers.Reset = () => ({ status: 'Rejected' });
    charger.answers.GetConfiguration = (args) => ({
      configurationKey: [{ key: 'HeartBeatInterval', readonly: false, value: '120' }],
      unknownKey: (args.key as string[]).filter((k) => k !== 'HeartBeatInterval'),
    });
    try {
      const sinkBefore = sinkCalls.length;
      assert.deepEqual(
        await legacy.callCharger('CP-R1', 'RemoteStartTransaction', { idTag: 'TAG-77', connectorId: 2 }),
        { status: 'Accepted' },
      );
      assert.deepEqual(charger.last('RemoteStartTransaction')?.args, { idTag: 'TAG-77', connectorId: 2 });
      assert.deepEqual(
        await legacy.callCharger('CP-R1', 'Reset', { type: 'Hard' }),
        { status: 'Rejected' },
        "the charger's own answer",
      );
      assert.deepEqual(charger.last('Reset')?.args, { type: 'Hard' });
      const config = await legacy.callCharger('CP-R1', 'GetConfiguration', { key: ['HeartBeatInterval', 'NoSuchKey'] });
      assert.deepEqual(config, {
        configurationKey: [{ key: 'HeartBeatInterval', readonly: false, value: '120' }],
        unknownKey: ['NoSuchKey'],
      });
      const calls = sinkCalls.slice(sinkBefore);
      assert.deepEqual(
        calls.map((c) => c.operation),
        ['RemoteStartTransaction', 'Reset', 'GetConfiguration'],
      );
      assert.deepEqual(calls[0], {
        identity: 'CP-R1',
        dialect: DIALECT,
        operation: 'RemoteStartTransaction',
        request: { idTag: 'TAG-77', connectorId: 2 },
        messageId: calls[0]!.messageId,
        remoteAddress: '127.0.0.1',
      });
      assert.match(calls[0]!.messageId ?? '', /^urn:uuid:/);
      assert.equal(child(charger.last('Reset')!.parsed, 'Header', NS.soap12) !== undefined, true);
    } finally {
      delete charger.answers.Reset;
      delete charger.answers.GetConfiguration;
    }
  });

  it('the answer envelope: SOAP 1.2, the output Action, RelatesTo the MessageID, the body in the Cp namespace in WSDL order', async () => {
    const messageId = 'urn:uuid:aaaaaaaa-1111-2222-3333-444444444444';
    const reply = await post(
      site.tokenUrl('CP-R2'),
      envelope('<cs:getConfigurationRequest><cs:key>HeartBeatInterval</cs:key></cs:getConfigurationRequest>', {
        identity: 'CP-R2',
        messageId,
        bodyNs: ocpp15Soap.cpNamespace,
        action: '/GetConfiguration',
      }),
    );
    assertSoapResponse(reply, { action: '/GetConfigurationResponse', relatesTo: messageId });
    assert.equal(reply.body?.name, 'getConfigurationResponse');
    assert.equal(reply.body?.ns, ocpp15Soap.cpNamespace);
    const key = child(reply.body!, 'configurationKey', ocpp15Soap.cpNamespace)!;
    assert.deepEqual(
      key.children.map((c) => [c.name, c.ns, c.text]),
      [
        ['key', ocpp15Soap.cpNamespace, 'HeartBeatInterval'],
        ['readonly', ocpp15Soap.cpNamespace, 'false'],
        ['value', ocpp15Soap.cpNamespace, '300'],
      ],
    );
  });

  it('the identity from the path when the header is missing; header and path naming different chargers -> Sender/IdentityMismatch', async () => {
    const reset = '<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>';
    const opts = { identity: null, bodyNs: ocpp15Soap.cpNamespace } as const;
    const byPath = await post(site.tokenUrl('CP-R2'), envelope(reset, opts));
    assertSoapResponse(byPath, {
      action: '/ResetResponse',
      relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
    });
    assert.equal(sinkCalls.at(-1)?.identity, 'CP-R2');
    const before = sinkCalls.length;
    assertFault(
      await post(site.tokenUrl('CP-R2'), envelope(reset, { identity: 'CP-R1', bodyNs: ocpp15Soap.cpNamespace })),
      'Sender',
      'IdentityMismatch',
      /another charger/,
    );
    assertFault(await post(site.relayUrl, envelope(reset, opts)), 'Sender', 'ProtocolError', /chargeBoxIdentity/);
    assert.equal(sinkCalls.length, before, 'nothing relayed');
  });

  it("the charger's Fault reaches the legacy system as it is; a charger that cannot be reached -> Receiver/InternalError", async () => {
    charger.answers.UnlockConnector = () => {
      throw legacyFault('Sender', 'SecurityError', 'not now');
    };
    try {
      const refused = await rejection(legacy.callCharger('CP-R1', 'UnlockConnector', { connectorId: 1 }));
      assert.deepEqual(refused.fault, { code: 'Sender', subcode: 'SecurityError', reason: 'not now' });
      assert.equal(refused.status, 400);
    } finally {
      delete charger.answers.UnlockConnector;
    }
    callbacks.set('CP-R2', `http://127.0.0.1:${await freePort()}/gone`);
    try {
      const gone = await rejection(legacy.callCharger('CP-R2', 'ClearCache', {}));
      assert.deepEqual({ ...gone.fault, reason: '' }, { code: 'Receiver', subcode: 'InternalError', reason: '' });
      assert.match(gone.fault!.reason, /charger unreachable/);
      assert.equal(gone.status, 500);
    } finally {
      callbacks.set('CP-R2', charger.url);
    }
  });

  it('a caller that is not allowed -> Sender/SecurityError, and nothing reaches the sink', async () => {
    const before = sinkCalls.length;
    const received = charger.received.length;
    site.allowCallers = false;
    try {
      const refused = await rejection(legacy.callCharger('CP-R1', 'Reset', { type: 'Hard' }));
      assert.equal(refused.status, 400);
      assert.equal(refused.fault?.subcode, 'SecurityError');
      assertFault(await post(site.relayUrl, 'not even XML'), 'Sender', 'SecurityError', /may not call chargers/);
    } finally {
      site.allowCallers = true;
    }
    assert.equal(sinkCalls.length, before, 'the sink was not called');
    assert.equal(charger.received.length, received, 'the charger got nothing');
  });
});
