import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RawChargePoint } from '../helpers/charge-points.js';
import type { RpcServerClient, TestCsms } from '../helpers/csms-peer.js';
import type { RunningGateway } from '../helpers/gateway-harness.js';
import { rawChargerSite } from '../helpers/raw-charger-site.js';
import { chargerAnswer, quirkyResetAnswers } from '../helpers/soap.js';
import { outcome, P201 } from '../helpers/ocpp201-session.js';

/**
 * OCPP 2.0.1 commands from the CSMS to raw 1.5 chargers that answer with the envelopes real chargers send
 * (docs/translation-201.md, docs/charger-quirks.md); every CALLRESULT the gateway sends is validated against the
 * official schemas.
 */

describe('OCPP 2.0.1 CSMS -> charger against the response envelopes real chargers send (docs/charger-quirks.md)', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: RawChargePoint;
  let client: RpcServerClient;
  let stopSite: () => Promise<void>;
  const identity = 'CP-201-RAW';

  before(async () => {
    ({
      csms,
      cp,
      gw,
      client,
      stop: stopSite,
    } = await rawChargerSite(identity, 'embedded', { chargerTimeoutMs: 1_000 }, P201));
  });
  after(async () => {
    await stopSite();
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('no Header, odd RelatesTo and To, any prefix (Q1, Q3, Q4, Q8): the 2.0.1 result is the same', async () => {
    for (const body of quirkyResetAnswers(gw.soapUrl)) {
      cp.answer = () => ({ body });
      assert.deepEqual((await outcome(client, 'Reset', { type: 'Immediate' })).result, { status: 'Accepted' });
    }
  });

  it('a configuration with odd key spelling and nil values (Q12, Q17) answers GetVariables', async () => {
    cp.answer = () => ({
      body: chargerAnswer(
        '<ns1:getConfigurationResponse xmlns:ns1="urn://Ocpp/Cp/2012/06/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
          '<ns1:configurationKey><ns1:key>HEARTBEATINTERVAL</ns1:key><ns1:readonly>false</ns1:readonly><ns1:value>900</ns1:value></ns1:configurationKey>' +
          '<ns1:configurationKey><ns1:key>ConnectionTimeOut</ns1:key><ns1:readonly>true</ns1:readonly><ns1:value xsi:nil="true"/></ns1:configurationKey>' +
          '</ns1:getConfigurationResponse>',
      ),
    });
    const r = await outcome(client, 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' } },
      ],
    });
    assert.deepEqual(
      r.result.getVariableResult.map((v: any) => [v.attributeStatus, v.attributeValue]),
      [
        ['Accepted', '900'],
        ['Accepted', undefined],
      ],
    );
  });

  it('charger SOAP Faults become CALLERRORs in the 2.0.1 spelling', async () => {
    const fault = (code: string, subcode: string) =>
      chargerAnswer(
        `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>cp:${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">no</s:Text></s:Reason></s:Fault>`,
      );
    for (const [code, subcode, expected] of [
      ['Sender', 'ProtocolError', 'FormatViolation'],
      ['Sender', 'SecurityError', 'SecurityError'],
      ['Receiver', 'NotSupported', 'NotSupported'],
      ['Receiver', 'InternalError', 'InternalError'],
    ] as const) {
      cp.answer = () => ({ status: code === 'Sender' ? 400 : 500, body: fault(code, subcode) });
      assert.equal((await outcome(client, 'ClearCache', {})).code, expected, `${code}/${subcode}`);
    }
    cp.answer = () => ({ hang: true });
    assert.equal((await outcome(client, 'ClearCache', {})).code, 'GenericError', 'a charger that does not answer');
  });
});
