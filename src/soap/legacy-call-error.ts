import type { SoapFault } from '../ocpp/soap-fault.js';

export type LegacyCallFailure = 'fault' | 'http' | 'timeout' | 'unreachable' | 'invalid-response';

/**
 * A call to the legacy central system that did not produce its response. `message` names the kind of failure and the
 * HTTP status; `detail` has bytes of what came back, for the log only. A SOAP Fault is in `fault`, ready to be passed
 * to the charger as it is (docs/architecture.md#migration-routing); `wireSubcode` is the subcode as the legacy system
 * wrote it, when `fault.subcode` had to stand in for one that is not an OCPP-S subcode.
 */
export class LegacyCallError extends Error {
  override name = 'LegacyCallError';
  constructor(
    readonly kind: LegacyCallFailure,
    message: string,
    readonly fault?: SoapFault,
    readonly httpStatus?: number,
    readonly detail?: string,
    readonly wireSubcode?: string,
  ) {
    super(message);
  }
}

/**
 * What a failed legacy call means for the charger's message:
 * - `refusal`: the legacy system answered with a SOAP Fault; the charger gets that Fault.
 * - `invalid-answer`: it answered HTTP 2xx with something that is not the operation's response.
 * - `unavailable`: no SOAP answer at all (timeout, connection refused, an HTTP status without a Fault, a redirect):
 *   nothing was said about the message, so it is treated like a CSMS outage (store-and-forward or 503).
 */
export type LegacyFailureClass = 'refusal' | 'invalid-answer' | 'unavailable';

export function legacyFailureClass(err: LegacyCallError): LegacyFailureClass {
  if (err.kind === 'fault') return 'refusal';
  return err.kind === 'invalid-response' ? 'invalid-answer' : 'unavailable';
}

/** Whether an error from `LegacyCentralSystemClient.call` means the legacy system is unavailable (see LegacyFailureClass). */
export function isLegacyUnavailable(err: unknown): boolean {
  return err instanceof LegacyCallError && legacyFailureClass(err) === 'unavailable';
}
