/**
 * OCPP-S fault codes (docs/translation.md#soap-wire-rules): the shape of a SOAP Fault as data. Rendering it as XML is
 * the SOAP layer's job; the bridge and the queue only pass it along.
 */
export type FaultSubcode = 'SecurityError' | 'IdentityMismatch' | 'ProtocolError' | 'InternalError' | 'NotSupported';

export interface SoapFault {
  code: 'Sender' | 'Receiver';
  subcode: FaultSubcode;
  /** One line, safe to show the charger's operator: never secrets, never stack traces. */
  reason: string;
}

const CODE_OF: Readonly<Record<FaultSubcode, SoapFault['code']>> = {
  SecurityError: 'Sender',
  IdentityMismatch: 'Sender',
  ProtocolError: 'Sender',
  InternalError: 'Receiver',
  NotSupported: 'Receiver',
};

export const faultCodeOf = (subcode: FaultSubcode): SoapFault['code'] => CODE_OF[subcode];

export const faultOf = (subcode: FaultSubcode, reason: string): SoapFault => ({
  code: CODE_OF[subcode],
  subcode,
  reason,
});
