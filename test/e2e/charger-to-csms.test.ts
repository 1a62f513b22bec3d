import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, responseFields } from '../helpers/soap.js';
import { SoapCharger } from '../helpers/soap-charger.js';

for (const mode of QUEUE_MODES) {
  describe(`charger -> CSMS, all ten operations through a node-soap charger (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    let charger: SoapCharger;
    const identity = `CP-E2E-${mode}`;

    before(async () => {
      csms = await new TestCsms().start();
      // The charger's SOAP address is a documentation address, offered from loopback: the learning rule is tested here,
      // the callback policy (same-source by default) in charger-security.test.ts.
      gw = await startGateway(mode, csms.url, { callbackPolicy: 'any' });
      charger = await SoapCharger.create(gw.soapUrl, identity, 'http://10.20.30.40:8080/ChargePointService');
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
      assert.deepEqual(csms.schemaFailures, [], 'every CALL the CSMS received passed strict OCPP 1.6 validation');
    });

    /** Sends one operation and returns what the CSMS received and what the charger got back. */
    async function exchange(operation: string, args: object) {
      const before = csms.callsFor(identity).length;
      const { result, messageId, reply } = await charger.call(operation, args);
      assertSoapResponse(reply, { action: `/${operation}Response`, relatesTo: messageId });
      const received = csms.callsFor(identity).slice(before);
      return { result, reply, received };
    }

    it('BootNotification: nine fields 1:1, interval -> heartbeatInterval', async () => {
      csms.handlers.BootNotification = () => ({
        status: 'Accepted',
        currentTime: '2024-05-01T12:00:00.000Z',
        interval: 240,
      });
      const boot = {
        chargePointVendor: 'VendorX',
        chargePointModel: 'ModelY',
        chargePointSerialNumber: 'CPSN-1',
        chargeBoxSerialNumber: 'CBSN-1',
        firmwareVersion: '4.2.0',
        iccid: '8931',
        imsi: '2040',
        meterType: 'MT-1',
        meterSerialNumber: 'MSN-1',
      };
      const { result, reply, received } = await exchange('BootNotification', boot);
      assert.deepEqual(
        received.map((c) => [c.action, c.payload]),
        [['BootNotification', boot]],
      );
      assert.deepEqual(result, { status: 'Accepted', currentTime: '2024-05-01T12:00:00.000Z', heartbeatInterval: 240 });
      assert.deepEqual(responseFields(reply, 'bootNotificationResponse'), [
        ['status', 'Accepted'],
        ['currentTime', '2024-05-01T12:00:00.000Z'],
        ['heartbeatInterval', '240'],
      ]);
      delete csms.handlers.BootNotification;
    });

    it('the callback URL from wsa:From is stored for the charger', async () => {
      const contact = await gw.gateway.registry.contacts.contact(identity);
      assert.equal(contact?.callbackUrl, 'http://10.20.30.40:8080/ChargePointService');
      assert.equal(contact?.callbackSource, 'From');
    });

    it('Authorize: idTag out, idTagInfo back', async () => {
      csms.handlers.Authorize = () => ({
        idTagInfo: { status: 'Blocked', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'PARENT' },
      });
      const { result, received } = await exchange('Authorize', { idTag: 'RFID-0001' });
      assert.deepEqual(
        received.map((c) => [c.action, c.payload]),
        [['Authorize', { idTag: 'RFID-0001' }]],
      );
      assert.deepEqual(result, {
        idTagInfo: { status: 'Blocked', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'PARENT' },
      });
      delete csms.handlers.Authorize;
    });

    it('Heartbeat: {} out, currentTime back', async () => {
      csms.handlers.Heartbeat = () => ({ currentTime: '2024-05-01T12:34:56.000Z' });
      const { result, reply, received } = await exchange('Heartbeat', {});
      assert.deepEqual(
        received.map((c) => [c.action, c.payload]),
        [['Heartbeat', {}]],
      );
      assert.deepEqual(result, { currentTime: '2024-05-01T12:34:56.000Z' });
      assert.deepEqual(responseFields(reply, 'heartbeatResponse'), [['currentTime', '2024-05-01T12:34:56.000Z']]);
      delete csms.handlers.Heartbeat;
    });

    it('StatusNotification: Occupied without a transaction -> Preparing, optional fields carried', async () => {
      const { received, reply } = await exchange('StatusNotification', {
        connectorId: 1,
        status: 'Occupied',
        errorCode: 'NoError',
        info: 'cable in',
        timestamp: '2024-05-01T12:00:00+02:00',
        vendorId: 'VendorX',
        vendorErrorCode: 'V0',
      });
      assert.deepEqual(
        received.map((c) => c.payload),
        [
          {
            connectorId: 1,
            errorCode: 'NoError',
            info: 'cable in',
            status: 'Preparing',
            timestamp: '2024-05-01T10:00:00.000Z',
            vendorId: 'VendorX',
            vendorErrorCode: 'V0',
          },
        ],
      );
      assert.deepEqual(responseFields(reply, 'statusNotificationResponse'), []);
    });

    it('StartTransaction: 1:1, transactionId and idTagInfo back; the gateway reports Charging', async () => {
      csms.handlers.StartTransaction = () => ({ transactionId: 4711, idTagInfo: { status: 'Accepted' } });
      const { result, received } = await exchange('StartTransaction', {
        connectorId: 1,
        idTag: 'RFID-0001',
        timestamp: '2024-05-01T12:01:00Z',
        meterStart: 1000,
        reservationId: 12,
      });
      assert.deepEqual(received[0]?.payload, {
        connectorId: 1,
        idTag: 'RFID-0001',
        meterStart: 1000,
        reservationId: 12,
        timestamp: '2024-05-01T12:01:00.000Z',
      });
      assert.deepEqual(result, { transactionId: 4711, idTagInfo: { status: 'Accepted' } });
      const charging = await csms.waitForCall(
        (c) => c.identity === identity && c.action === 'StatusNotification' && c.payload.status === 'Charging',
      );
      assert.deepEqual(charging.payload, {
        connectorId: 1,
        errorCode: 'NoError',
        status: 'Charging',
        timestamp: '2024-05-01T12:01:00.000Z',
      });
      delete csms.handlers.StartTransaction;
    });

    it('MeterValues: values/value attributes -> meterValue/sampledValue, Amp -> A, Volt -> V', async () => {
      const { received } = await exchange('MeterValues', {
        connectorId: 1,
        transactionId: 4711,
        values: [
          {
            timestamp: '2024-05-01T12:05:00Z',
            value: [
              { attributes: { unit: 'Amp', measurand: 'Current.Import', location: 'Outlet' }, $value: '16.1' },
              { attributes: { unit: 'Volt', measurand: 'Voltage' }, $value: '230' },
              { attributes: { context: 'Sample.Periodic', format: 'Raw', unit: 'Wh' }, $value: '1500' },
              '1501',
            ],
          },
        ],
      });
      assert.deepEqual(
        received.map((c) => c.payload),
        [
          {
            connectorId: 1,
            transactionId: 4711,
            meterValue: [
              {
                timestamp: '2024-05-01T12:05:00.000Z',
                sampledValue: [
                  { value: '16.1', measurand: 'Current.Import', location: 'Outlet', unit: 'A' },
                  { value: '230', measurand: 'Voltage', unit: 'V' },
                  { value: '1500', context: 'Sample.Periodic', format: 'Raw', unit: 'Wh' },
                  { value: '1501' },
                ],
              },
            ],
          },
        ],
      );
    });

    it('StopTransaction: transactionData flattened, reason omitted; the gateway reports Finishing', async () => {
      csms.handlers.StopTransaction = () => ({ idTagInfo: { status: 'Accepted' } });
      // The charger still reports the connector Occupied (cable plugged), as a 1.5 charger does.
      await exchange('StatusNotification', { connectorId: 1, status: 'Occupied', errorCode: 'NoError' });
      const { result, received } = await exchange('StopTransaction', {
        transactionId: 4711,
        idTag: 'RFID-0001',
        timestamp: '2024-05-01T13:00:00Z',
        meterStop: 9000,
        transactionData: [
          {
            values: [
              {
                timestamp: '2024-05-01T12:01:00Z',
                value: [{ attributes: { context: 'Transaction.Begin' }, $value: '1000' }],
              },
            ],
          },
          {
            values: [
              {
                timestamp: '2024-05-01T13:00:00Z',
                value: [{ attributes: { context: 'Transaction.End' }, $value: '9000' }],
              },
            ],
          },
        ],
      });
      const stop = received.find((c) => c.action === 'StopTransaction');
      assert.deepEqual(stop?.payload, {
        idTag: 'RFID-0001',
        meterStop: 9000,
        timestamp: '2024-05-01T13:00:00.000Z',
        transactionId: 4711,
        transactionData: [
          { timestamp: '2024-05-01T12:01:00.000Z', sampledValue: [{ value: '1000', context: 'Transaction.Begin' }] },
          { timestamp: '2024-05-01T13:00:00.000Z', sampledValue: [{ value: '9000', context: 'Transaction.End' }] },
        ],
      });
      assert.deepEqual(result, { idTagInfo: { status: 'Accepted' } });
      const finishing = await csms.waitForCall(
        (c) => c.identity === identity && c.action === 'StatusNotification' && c.payload.status === 'Finishing',
      );
      assert.equal(finishing.payload.connectorId, 1);
      const occupiedAgain = await exchange('StatusNotification', {
        connectorId: 1,
        status: 'Occupied',
        errorCode: 'NoError',
      });
      assert.equal(occupiedAgain.received[0]?.payload.status, 'Finishing');
      const free = await exchange('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
      assert.equal(free.received[0]?.payload.status, 'Available');
      delete csms.handlers.StopTransaction;
    });

    it('DataTransfer: vendorId, messageId and opaque data both ways', async () => {
      csms.handlers.DataTransfer = (p) => ({ status: 'Accepted', data: `echo:${String(p.data)}` });
      const { result, received } = await exchange('DataTransfer', {
        vendorId: 'com.vendor',
        messageId: 'Price',
        data: '{"tariff": 0.3, "ts": "2024-13-45"}',
      });
      assert.deepEqual(received[0]?.payload, {
        vendorId: 'com.vendor',
        messageId: 'Price',
        data: '{"tariff": 0.3, "ts": "2024-13-45"}',
      });
      assert.deepEqual(result, { status: 'Accepted', data: 'echo:{"tariff": 0.3, "ts": "2024-13-45"}' });
      delete csms.handlers.DataTransfer;
    });

    it('DiagnosticsStatusNotification and FirmwareStatusNotification: status 1:1, empty answers', async () => {
      const d = await exchange('DiagnosticsStatusNotification', { status: 'UploadFailed' });
      assert.deepEqual(d.received[0]?.payload, { status: 'UploadFailed' });
      assert.deepEqual(responseFields(d.reply, 'diagnosticsStatusNotificationResponse'), []);
      const f = await exchange('FirmwareStatusNotification', { status: 'InstallationFailed' });
      assert.deepEqual(f.received[0]?.payload, { status: 'InstallationFailed' });
      assert.deepEqual(responseFields(f.reply, 'firmwareStatusNotificationResponse'), []);
    });

    it('the charger state in the registry reflects the exchange', async () => {
      const state = await gw.gateway.registry.states.load(identity);
      assert.equal(state?.registration, 'Accepted');
      assert.equal(state?.heartbeatInterval, 240);
      assert.deepEqual(state?.transactions, {});
      assert.equal(state?.connectors['1']?.csmsStatus, 'Available');
    });
  });
}
