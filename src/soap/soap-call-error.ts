import { faultCodeOf, type FaultSubcode, type SoapFault } from '../ocpp/soap-fault.js';
import { child, type XmlElement } from './xml.js';

/** Who was called: the words the errors and logs use for the peer. */
export type SoapPeer = 'charger' | 'legacy system';

export type SoapCallFailure = 'fault' | 'http' | 'timeout' | 'unreachable' | 'invalid-response' | 'refused';

/**
 * A SOAP call that did not produce its answer. `message` names the kind of failure (and the HTTP status) and may be
 * passed on; it never carries bytes of the answer, which may be anything the peer chose. `detail` has those, for the
 * log only. A SOAP Fault is in `fault` with an OCPP-S subcode (a subcode OCPP-S does not define becomes its code's
 * generic one) and its reason on one bounded line; `wire` keeps the code and subcode as the peer wrote them.
 */
export class SoapCallError extends Error {
  override name = 'SoapCallError';
  readonly fault?: SoapFault;
  readonly wire?: { code: SoapFault['code']; subcode: string };
  readonly httpStatus?: number;
  readonly detail?: string;

  constructor(
    readonly peer: SoapPeer,
    readonly kind: SoapCallFailure,
    message: string,
    extra: { fault?: SoapFault; wire?: SoapCallError['wire']; httpStatus?: number; detail?: string } = {},
  ) {
    super(message);
    this.fault = extra.fault;
    this.wire = extra.wire;
    this.httpStatus = extra.httpStatus;
    this.detail = extra.detail;
  }
}

/**
 * What a failed call means for the message it carried:
 * - `refusal`: the peer answered with a SOAP Fault.
 * - `invalid-answer`: it answered with something that is not the operation's response (or too large to read).
 * - `unavailable`: no SOAP answer at all (timeout, connection refused, an HTTP status without a Fault, a redirect):
 *   nothing was said about the message, so it is treated like an outage (store-and-forward or 503).
 */
export type SoapFailureClass = 'refusal' | 'invalid-answer' | 'unavailable';

export function soapFailureClass(err: SoapCallError): SoapFailureClass {
  if (err.kind === 'fault') return 'refusal';
  return err.kind === 'invalid-response' ? 'invalid-answer' : 'unavailable';
}

/** Whether an error of `SoapClient.call` means the peer is unavailable (see SoapFailureClass). */
export function isPeerUnavailable(err: unknown): boolean {
  return err instanceof SoapCallError && soapFailureClass(err) === 'unavailable';
}

const OCPP_SUBCODES = new Set<string>([
  'SecurityError',
  'IdentityMismatch',
  'ProtocolError',
  'InternalError',
  'NotSupported',
]);
const MAX_REASON = 500;

/** SOAP 1.2 (Code/Subcode/Reason) or SOAP 1.1 (faultcode/faultstring) Fault -> SoapCallError. */
export function faultError(peer: SoapPeer, fault: XmlElement, httpStatus: number | undefined): SoapCallError {
  const local = (text: string | undefined) => (text ?? '').trim().replace(/^.*:/, '');
  const code = child(fault, 'Code');
  let codeValue = local(code && child(code, 'Value')?.text);
  let wireSubcode = local(code && child(child(code, 'Subcode') ?? code, 'Value')?.text);
  let reason = child(child(fault, 'Reason') ?? fault, 'Text')?.text ?? '';
  if (!code) {
    codeValue = local(child(fault, 'faultcode')?.text);
    wireSubcode = '';
    reason = child(fault, 'faultstring')?.text ?? '';
  }
  if (wireSubcode === codeValue) wireSubcode = '';
  const sender = codeValue === 'Sender' || codeValue === 'Client';
  const subcode: FaultSubcode = OCPP_SUBCODES.has(wireSubcode)
    ? (wireSubcode as FaultSubcode)
    : sender
      ? 'ProtocolError'
      : 'InternalError';
  const line =
    reason.replace(/\s+/g, ' ').trim().slice(0, MAX_REASON) || `${peer} refused the message (${codeValue || 'Fault'})`;
  return new SoapCallError(
    peer,
    'fault',
    `${peer} answered SOAP Fault ${codeValue}${wireSubcode ? `/${wireSubcode}` : ''}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`,
    {
      fault: { code: faultCodeOf(subcode), subcode, reason: line },
      wire: { code: sender ? 'Sender' : 'Receiver', subcode: wireSubcode },
      httpStatus,
      detail: line,
    },
  );
}
