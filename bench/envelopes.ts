/** Realistic charger traffic for the benchmark: the same operations as SOAP 1.5 envelopes and as OCPP-J 1.6 CALLs. */

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:cs="urn://Ocpp/Cs/2012/06/"';

function soap(identity: string, action: string, body: string, seq: number, from?: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NS}><s:Header>` +
    `<cs:chargeBoxIdentity s:mustUnderstand="true">${identity}</cs:chargeBoxIdentity>` +
    `<a:Action s:mustUnderstand="true">/${action}</a:Action><a:MessageID>urn:uuid:bench-${identity}-${seq}</a:MessageID>` +
    (from ? `<a:From><a:Address>${from}</a:Address></a:From>` : '') +
    `<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>` +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

const TS = '2024-05-01T12:00:00Z';
const meterValues = (tx: number) =>
  `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${tx}</cs:transactionId><cs:values><cs:timestamp>${TS}</cs:timestamp>` +
  `<cs:value context="Sample.Periodic" measurand="Energy.Active.Import.Register" unit="Wh">12345</cs:value>` +
  `<cs:value measurand="Current.Import" unit="Amp" location="Outlet">16.1</cs:value>` +
  `<cs:value measurand="Voltage" unit="Volt">231.0</cs:value>` +
  `<cs:value measurand="Power.Active.Import" unit="W">3700</cs:value>` +
  `<cs:value measurand="Temperature" unit="Celsius" location="Body">31</cs:value></cs:values></cs:meterValuesRequest>`;

/** One step of a charger's day, in order; the load generator cycles through it per charger. */
export const CYCLE = [
  'Heartbeat',
  'StatusNotification',
  'StartTransaction',
  'MeterValues',
  'MeterValues',
  'MeterValues',
  'StopTransaction',
  'StatusNotification',
] as const;

export function soapRequest(identity: string, step: number, from?: string): string {
  const action = CYCLE[step % CYCLE.length]!;
  const status = step % CYCLE.length === 1 ? 'Occupied' : 'Available';
  const body: Record<string, string> = {
    Heartbeat: '<cs:heartbeatRequest/>',
    StatusNotification: `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>${status}</cs:status><cs:errorCode>NoError</cs:errorCode><cs:timestamp>${TS}</cs:timestamp></cs:statusNotificationRequest>`,
    StartTransaction: `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>RFID-0001</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStart>12000</cs:meterStart></cs:startTransactionRequest>`,
    MeterValues: meterValues(4711),
    StopTransaction: `<cs:stopTransactionRequest><cs:transactionId>4711</cs:transactionId><cs:idTag>RFID-0001</cs:idTag><cs:timestamp>${TS}</cs:timestamp><cs:meterStop>13000</cs:meterStop></cs:stopTransactionRequest>`,
  };
  return soap(identity, action, body[action]!, step, from);
}

const meterValues16 = (tx: number) =>
  `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${tx}</cs:transactionId><cs:meterValue><cs:timestamp>${TS}</cs:timestamp>` +
  `<cs:sampledValue><cs:context>Sample.Periodic</cs:context><cs:measurand>Energy.Active.Import.Register</cs:measurand><cs:unit>Wh</cs:unit><cs:value>12345</cs:value></cs:sampledValue>` +
  `<cs:sampledValue><cs:measurand>Current.Import</cs:measurand><cs:location>Outlet</cs:location><cs:unit>A</cs:unit><cs:value>16.1</cs:value></cs:sampledValue>` +
  `<cs:sampledValue><cs:measurand>Voltage</cs:measurand><cs:unit>V</cs:unit><cs:value>231.0</cs:value></cs:sampledValue>` +
  `<cs:sampledValue><cs:measurand>Power.Active.Import</cs:measurand><cs:unit>W</cs:unit><cs:value>3700</cs:value></cs:sampledValue>` +
  `<cs:sampledValue><cs:measurand>Temperature</cs:measurand><cs:location>Body</cs:location><cs:unit>Celsius</cs:unit><cs:value>31</cs:value></cs:sampledValue>` +
  '</cs:meterValue></cs:meterValuesRequest>';

/**
 * The same day as an OCPP 1.6 SOAP charger sends it (the 1.6 namespace, meterValue/sampledValue with the value last as
 * real chargers write it, docs/charger-quirks.md#q13-element-order; a stop reason), for the dialect comparison.
 */
export function soapRequest16(identity: string, step: number): string {
  const action = CYCLE[step % CYCLE.length]!;
  const body = soapRequest(identity, step)
    .replace(/urn:\/\/Ocpp\/Cs\/2012\/06\//, 'urn://Ocpp/Cs/2015/10/')
    .replace(/Occupied/, 'Charging');
  if (action === 'MeterValues')
    return body.replace(/<cs:meterValuesRequest>.*<\/cs:meterValuesRequest>/, meterValues16(4711));
  if (action === 'StopTransaction')
    return body.replace('</cs:meterStop>', '</cs:meterStop><cs:reason>EVDisconnected</cs:reason>');
  return body;
}

/** A MeterValues of the cycle above (the outage probe's traffic: stored and acknowledged while the CSMS is down). */
export function meterValuesRequest(identity: string, seq: number): string {
  return soap(identity, 'MeterValues', meterValues(4711), seq);
}

/**
 * One complete charging session of `identity` as its messages, in order (the fleet API's record measure,
 * bench/fleet-records.ts): StartTransaction, `samples` MeterValues of one sample each (energy register and power among
 * the cycle's five values), StopTransaction. `session` numbers the charger's sessions: each starts an hour after the
 * last, so that every session has a start of its own (the API's session id is derived from it) and every sample a
 * timestamp of its own. The CSMS stub answers every StartTransaction with transaction 4711.
 */
export function sessionRequests(identity: string, session: number, samples: number): string[] {
  const start = Date.parse('2024-05-01T00:00:00Z') + session * 3_600_000;
  const at = (ms: number) => new Date(start + ms).toISOString();
  const meterStart = session * 100_000;
  const out = [
    soap(
      identity,
      'StartTransaction',
      `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>RFID-0001</cs:idTag><cs:timestamp>${at(0)}</cs:timestamp><cs:meterStart>${meterStart}</cs:meterStart></cs:startTransactionRequest>`,
      session * 10_000,
    ),
  ];
  for (let i = 1; i <= samples; i++)
    out.push(
      soap(
        identity,
        'MeterValues',
        meterValues(4711)
          .replace(TS, at(i * 60_000))
          .replace('>12345<', `>${meterStart + i * 60}<`),
        session * 10_000 + i,
      ),
    );
  out.push(
    soap(
      identity,
      'StopTransaction',
      `<cs:stopTransactionRequest><cs:transactionId>4711</cs:transactionId><cs:idTag>RFID-0001</cs:idTag><cs:timestamp>${at(3_540_000)}</cs:timestamp><cs:meterStop>${meterStart + (samples + 1) * 60}</cs:meterStop></cs:stopTransactionRequest>`,
      session * 10_000 + samples + 1,
    ),
  );
  return out;
}

/**
 * MeterValues only, each charger's first message a StartTransaction, so that every MeterValues after it adds a sample
 * to an open transaction, as a charging session's do (the fleet API's added cost per MeterValues,
 * bench/fleet-api.ts). Each call returns a new traffic with chargers of its own.
 */
export function meterValuesTraffic(): (identity: string, seq: number) => string {
  const started = new Set<string>();
  return (identity, seq) => {
    if (started.has(identity)) return meterValuesRequest(identity, seq);
    started.add(identity);
    return soap(identity, 'StartTransaction', soapRequest(identity, 2).match(/<s:Body>(.*)<\/s:Body>/)![1]!, seq);
  };
}

/** A BootNotification, the first message of a charger in the fleet measure. */
export function bootRequest(identity: string, seq: number): string {
  const body =
    '<cs:bootNotificationRequest><cs:chargePointVendor>Bench</cs:chargePointVendor>' +
    '<cs:chargePointModel>Fleet</cs:chargePointModel></cs:bootNotificationRequest>';
  return soap(identity, 'BootNotification', body, seq);
}

export function heartbeatRequest(identity: string, seq: number, from?: string): string {
  return soap(identity, 'Heartbeat', '<cs:heartbeatRequest/>', seq, from);
}

/** The same step as the OCPP-J 1.6 CALL a modern charger would send (the bare OCPP-J baseline). */
export function jsonCall(step: number): [string, object] {
  const action = CYCLE[step % CYCLE.length]!;
  const ts = '2024-05-01T12:00:00.000Z';
  switch (action) {
    case 'Heartbeat':
      return [action, {}];
    case 'StatusNotification':
      return [action, { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: ts }];
    case 'StartTransaction':
      return [action, { connectorId: 1, idTag: 'RFID-0001', meterStart: 12000, timestamp: ts }];
    case 'MeterValues':
      return [
        action,
        {
          connectorId: 1,
          transactionId: 4711,
          meterValue: [
            {
              timestamp: ts,
              sampledValue: [
                { value: '12345', context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                { value: '16.1', measurand: 'Current.Import', unit: 'A', location: 'Outlet' },
                { value: '231.0', measurand: 'Voltage', unit: 'V' },
                { value: '3700', measurand: 'Power.Active.Import', unit: 'W' },
                { value: '31', measurand: 'Temperature', unit: 'Celcius', location: 'Body' },
              ],
            },
          ],
        },
      ];
    case 'StopTransaction':
      return [action, { idTag: 'RFID-0001', meterStop: 13000, timestamp: ts, transactionId: 4711 }];
  }
}

export const REMOTE_START_SOAP_RESPONSE =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:cp="urn://Ocpp/Cp/2012/06/"><s:Body><cp:remoteStartTransactionResponse><cp:status>Accepted</cp:status></cp:remoteStartTransactionResponse></s:Body></s:Envelope>';

export const REMOTE_START_SOAP_REQUEST =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:cp="urn://Ocpp/Cp/2012/06/"><s:Header><cp:chargeBoxIdentity>CP</cp:chargeBoxIdentity><a:Action>/RemoteStartTransaction</a:Action><a:MessageID>urn:uuid:x</a:MessageID></s:Header><s:Body><cp:remoteStartTransactionRequest><cp:idTag>RFID-0001</cp:idTag><cp:connectorId>1</cp:connectorId></cp:remoteStartTransactionRequest></s:Body></s:Envelope>';
