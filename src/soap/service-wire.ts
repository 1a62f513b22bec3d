import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import { decodeComplex, encodeElement, type DecodedObject } from './codec.js';
import { ocpp15Soap, ocppVersionOf, type SoapDialect, soapDialectOfVersion } from './dialects.js';
import { readRequestEnvelope, responseEnvelopeXml, WSA_FAULT_ACTION } from './envelope.js';
import { faultXml, SoapFaultError } from './fault.js';
import type { SoapHeaders } from './headers.js';
import type { ComplexType, Operation, WsdlModel } from './wsdl-model.js';
import type { XmlElement } from './xml.js';

/**
 * The wire side of a SOAP service the gateway serves (docs/architecture.md#the-soap-server-pipeline): reading a
 * request as far as its operation, decoding its body, writing its answer or Fault. Pure: the same for the
 * CentralSystemService chargers post to and the ChargePointService relay the legacy system calls, and for every
 * dialect; what differs between the two services is the `ServiceHalf` table below.
 */

/** Which half of an OCPP SOAP dialect a service is: its WSDL, namespace and answer prefix. */
export type ServiceHalf = 'centralSystem' | 'chargePoint';

interface HalfFacts {
  /** The service name as the WSDLs and the gateway's answers spell it. */
  readonly name: string;
  /** The prefix of the answer body; `cs` is declared on the envelope, any other on the body element. */
  readonly prefix: string;
  namespace(dialect: SoapDialect): string;
  model(dialect: SoapDialect): WsdlModel;
  /** wsa:Action of an answer (docs/translation.md#soap-dialects). */
  answerAction(dialect: SoapDialect, op: Operation): string;
}

const HALVES: Readonly<Record<ServiceHalf, HalfFacts>> = {
  centralSystem: {
    name: 'CentralSystemService',
    prefix: 'cs',
    namespace: (d) => d.csNamespace,
    model: (d) => d.centralSystem(),
    answerAction: (d, op) => d.responseAction(op),
  },
  chargePoint: {
    name: 'ChargePointService',
    prefix: 'cp',
    namespace: (d) => d.cpNamespace,
    model: (d) => d.chargePoint(),
    answerAction: (_d, op) => op.outputAction,
  },
};

export const serviceName = (half: ServiceHalf): string => HALVES[half].name;

/**
 * The dialect of an answer to a request whose own could not be read (not XML, no OCPP namespace), and of the WSDL
 * served when `?wsdl` names no version: 1.5, the dialect most SOAP chargers speak (docs/translation.md#soap-dialects).
 */
export const FALLBACK_DIALECT: SoapDialect = ocpp15Soap;

/** A MessageID is an opaque id (docs/charger-quirks.md#q10-messageid-in-any-format), not a payload: longer ones are refused and never echoed. */
export const MAX_MESSAGE_ID = 256;

/** Who an answer is for and about: what the logs, the metrics and the message trace record of an exchange. */
export interface ExchangeMeta {
  identity?: string;
  /** The request's wsa:MessageID once bounded: the RelatesTo of the answer. */
  messageId?: string;
  /** The operation, as the dialect's WSDL names it. */
  action?: string;
  jobId?: string;
  dialect: SoapDialect;
}

/** The charger a request names, or the Fault for naming it wrongly (each service says where the name comes from). */
export type Identified = { identity?: string; fault?: undefined } | { fault: SoapFault; identity?: string };

/** A request read as far as its operation, before its body is decoded. */
export interface RequestHead {
  identity: string;
  headers: SoapHeaders;
  messageId?: string;
  dialect: SoapDialect;
  /** The service's WSDL model of that dialect, and the operation in it. */
  model: WsdlModel;
  op: Operation;
  body: XmlElement;
}

export type HeadReading =
  | { kind: 'plain'; status: number; reason: string }
  | { kind: 'soap11' }
  | { kind: 'fault'; fault: SoapFault; meta: ExchangeMeta }
  | { kind: 'head'; head: RequestHead; meta: ExchangeMeta };

/** What a service needs told to read its requests. */
export interface ServiceReader {
  readonly half: ServiceHalf;
  /** The reason given when a request names no charger at all. */
  readonly noIdentity: string;
}

/** The Fault for an identity over MAX_IDENTITY_LENGTH, if it is; every service bounds its identities with it. */
export function overlongIdentity(identity: string | undefined, max: number): SoapFault | undefined {
  if (identity === undefined || identity.length <= max) return undefined;
  return faultOf('ProtocolError', `chargeBoxIdentity longer than ${max} characters (MAX_IDENTITY_LENGTH)`);
}

/**
 * Reads one request as far as its operation (docs/translation.md#soap-wire-rules): SOAP 1.2, the MessageID bounded,
 * the charger `identify` names, the dialect from the body namespace (either service half), the operation from the body
 * element against the service's WSDL. Everything that is not such a request is refused with a reason.
 */
export function readRequestHead(
  xml: string,
  reader: ServiceReader,
  identify: (headers: SoapHeaders) => Identified,
): HeadReading {
  const envelope = readRequestEnvelope(xml);
  if (envelope.kind === 'plain' || envelope.kind === 'soap11') return envelope;
  const meta: ExchangeMeta = { dialect: FALLBACK_DIALECT };
  const fail = (fault: SoapFault): HeadReading => ({ kind: 'fault', fault, meta });
  if (envelope.kind === 'malformed') return fail(faultOf('ProtocolError', envelope.reason));
  const { headers, body } = envelope;
  // An oversized MessageID is refused, and never echoed back as RelatesTo.
  if (headers.messageId !== undefined && headers.messageId.length > MAX_MESSAGE_ID)
    return fail(faultOf('ProtocolError', `wsa:MessageID longer than ${MAX_MESSAGE_ID} characters`));
  meta.messageId = headers.messageId;
  const identified = identify(headers);
  meta.identity = identified.identity;
  if (identified.fault) return fail(identified.fault);
  if (!body) return fail(faultOf('ProtocolError', 'the SOAP Body is empty'));
  const version = ocppVersionOf(body.ns);
  if (!version)
    return fail(
      faultOf('ProtocolError', `body element ${body.name} is not in an OCPP namespace (found ${body.ns ?? 'none'})`),
    );
  const dialect = soapDialectOfVersion(version);
  meta.dialect = dialect;
  const half = HALVES[reader.half];
  const model = half.model(dialect);
  const op = model.operationsByRequestElement.get(body.name.toLowerCase());
  if (!op) return fail(faultOf('NotSupported', `operation ${body.name} is not a ${half.name} operation`));
  meta.action = op.name;
  const identity = identified.identity;
  if (!identity) return fail(faultOf('ProtocolError', reader.noIdentity));
  return { kind: 'head', head: { identity, headers, messageId: meta.messageId, dialect, model, op, body }, meta };
}

/** Decodes the body of a request read as far as its operation: the request, or the Fault for what cannot be read. */
export function decodeRequest({
  model,
  op,
  body,
}: RequestHead): { request: DecodedObject; fault?: undefined } | { fault: SoapFault } {
  try {
    return { request: decodeComplex(model, model.type(op.requestType) as ComplexType, body, op.requestElement) };
  } catch (err) {
    if (err instanceof SoapFaultError) return { fault: err.toFault() };
    throw err;
  }
}

/**
 * The answer envelope (OCPP-S 3.4-3.6): the operation's answer Action, a fresh MessageID, RelatesTo the request's
 * MessageID; the body in WSDL order in the service's namespace.
 */
export function answerXml(
  half: ServiceHalf,
  dialect: SoapDialect,
  op: Operation,
  body: object,
  relatesTo: string | undefined,
): string {
  const facts = HALVES[half];
  let bodyXml = encodeElement(facts.model(dialect), op.responseElement, op.responseType, body, facts.prefix);
  if (facts.prefix !== 'cs') {
    const open = `<${facts.prefix}:${op.responseElement}`;
    bodyXml = `${open} xmlns:${facts.prefix}="${facts.namespace(dialect)}"${bodyXml.slice(open.length)}`;
  }
  return responseEnvelopeXml(facts.answerAction(dialect, op), relatesTo, bodyXml, dialect.csNamespace);
}

/** A SOAP 1.2 Fault envelope, its OCPP-S subcode in the service's namespace (OCPP-S section 4). */
export function faultAnswerXml(
  half: ServiceHalf,
  dialect: SoapDialect,
  fault: SoapFault,
  relatesTo: string | undefined,
): string {
  const body = faultXml(fault, HALVES[half].namespace(dialect));
  return responseEnvelopeXml(WSA_FAULT_ACTION, relatesTo, body, dialect.csNamespace);
}
