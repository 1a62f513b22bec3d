import { readFileSync } from 'node:fs';
import { SOURCE_DIALECTS } from '../ocpp/protocols.js';
import { soapDialect } from './dialects.js';
import { FALLBACK_DIALECT, type ServiceHalf } from './service-wire.js';

/**
 * One service's WSDL of every dialect the gateway serves, by OCPP version, with `soap12:address` set to `address`
 * (`?wsdl&version=1.2|1.5|1.6`; docs/translation.md#soap-dialects). Both SOAP services serve theirs from here.
 */
export function servedWsdls(address: string, half: ServiceHalf): ReadonlyMap<string, string> {
  const escaped = address.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const wsdls = new Map<string, string>();
  for (const id of SOURCE_DIALECTS) {
    const dialect = soapDialect(id);
    wsdls.set(
      dialect.version,
      readFileSync(dialect.wsdlFiles[half], 'utf8').replace(
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

const VERSIONS = SOURCE_DIALECTS.map((id) => soapDialect(id).version);

/** The versions served, as a list in words: "1.2, 1.5 and 1.6". */
export function wsdlVersionList(conjunction: 'and' | 'or'): string {
  return `${VERSIONS.slice(0, -1).join(', ')} ${conjunction} ${VERSIONS.at(-1)}`;
}

/** The versions a `?wsdl` may ask for, the default named: "1.2, 1.5 (the default) or 1.6". */
export function wsdlVersionChoice(): string {
  const named = VERSIONS.map((v) => (v === FALLBACK_DIALECT.version ? `${v} (the default)` : v));
  return `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
}
