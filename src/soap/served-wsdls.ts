import { readFileSync } from 'node:fs';
import { SOURCE_DIALECTS } from '../ocpp/protocols.js';
import { soapDialect } from './dialects.js';

/**
 * One service's WSDL of every dialect the gateway serves, by OCPP version, with `soap12:address` set to `address`
 * (`?wsdl&version=1.2|1.5|1.6`; docs/translation.md#soap-dialects).
 */
export function servedWsdls(address: string, service: 'centralSystem' | 'chargePoint'): ReadonlyMap<string, string> {
  const escaped = address.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const wsdls = new Map<string, string>();
  for (const id of SOURCE_DIALECTS) {
    const dialect = soapDialect(id);
    wsdls.set(
      dialect.version,
      readFileSync(dialect.wsdlFiles[service], 'utf8').replace(
        /(<soap12:address\s+location=")[^"]*(")/,
        (_m, open: string, close: string) => `${open}${escaped}${close}`,
      ),
    );
  }
  return wsdls;
}

/** The `version` of a `?wsdl&version=1.6` request, if it names one. */
export function wsdlVersionOf(url: string | undefined): string | undefined {
  return new URL(url ?? '/', 'http://gateway').searchParams.get('version')?.trim() || undefined;
}
