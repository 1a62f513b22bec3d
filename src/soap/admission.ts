import { timingSafeEqual } from 'node:crypto';
import type { GatewayConfig } from '../config/config.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';

/**
 * Who may use the SOAP endpoint (README.md, "Security"): the allowlist (or explicit auto-accept), per-charger deny,
 * and HTTP Basic auth whose user name must be the chargeBoxIdentity. Every refusal is Sender/SecurityError; the
 * reason names what to configure, never a secret.
 */
export function admissionFault(identity: string, authorization: string | undefined, config: GatewayConfig): SoapFault | undefined {
  const charger = config.chargers[identity];
  if (charger && !charger.allow) return faultOf('SecurityError', `charger ${identity} is not allowed (chargers.${identity}.allow is false)`);
  if (config.admission === 'allowlist' && !charger) {
    return faultOf('SecurityError', `charger ${identity} is not on the allowlist: add it under chargers in the configuration, or set admission: auto-accept`);
  }
  const credentials = basicCredentials(authorization);
  if (credentials && credentials.user !== identity) {
    return faultOf('SecurityError', `HTTP Basic user name does not match chargeBoxIdentity ${identity}`);
  }
  const expected = charger?.soapPassword;
  if (expected === undefined) {
    return config.requireSoapAuth ? faultOf('SecurityError', `no SOAP credentials configured for charger ${identity} (chargers.${identity}.soapPassword)`) : undefined;
  }
  if (!credentials) return faultOf('SecurityError', 'HTTP Basic authentication required');
  if (!sameSecret(credentials.password, expected)) return faultOf('SecurityError', 'HTTP Basic authentication failed');
  return undefined;
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
