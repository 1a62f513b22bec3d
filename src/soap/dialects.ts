import { fileURLToPath } from 'node:url';
import type { SourceDialect } from '../ocpp/protocols.js';
import { wsdlModel, type WsdlModel } from './wsdl-model.js';

const WSDL_DIR = fileURLToPath(new URL('../../wsdl/', import.meta.url));

/**
 * One SOAP dialect of OCPP as the gateway speaks it: its service namespaces and WSDLs
 * (docs/translation.md#soap-wire-rules). The endpoint picks the dialect by the namespace of the request body; a new
 * dialect (1.2, 1.6 SOAP) is one more entry here with its WSDLs in wsdl/.
 */
export interface SoapDialect {
  readonly id: SourceDialect;
  /** The OCPP version as the body namespace names it (urn://Ocpp/Cs/2012/06/ is 1.5). */
  readonly version: OcppSoapVersion;
  /** CentralSystemService (charger -> central system) and ChargePointService namespaces. */
  readonly csNamespace: string;
  readonly cpNamespace: string;
  readonly wsdlFiles: { readonly centralSystem: string; readonly chargePoint: string };
  centralSystem(): WsdlModel;
  chargePoint(): WsdlModel;
}

export type OcppSoapVersion = '1.2' | '1.5' | '1.6';

const files15 = {
  centralSystem: `${WSDL_DIR}CentralSystemService.wsdl`,
  chargePoint: `${WSDL_DIR}ChargePointService.wsdl`,
} as const;

export const ocpp15Soap: SoapDialect = {
  id: 'ocpp1.5-soap',
  version: '1.5',
  csNamespace: 'urn://Ocpp/Cs/2012/06/',
  cpNamespace: 'urn://Ocpp/Cp/2012/06/',
  wsdlFiles: files15,
  centralSystem: () => wsdlModel(files15.centralSystem),
  chargePoint: () => wsdlModel(files15.chargePoint),
};

const DIALECTS: readonly SoapDialect[] = [ocpp15Soap];

/** The dialect bridged for an OCPP version found on the wire, if any. */
export function dialectOfVersion(version: OcppSoapVersion): SoapDialect | undefined {
  return DIALECTS.find((d) => d.version === version);
}

export function soapDialect(id: SourceDialect): SoapDialect {
  return DIALECTS.find((d) => d.id === id)!;
}

/**
 * OCPP version from the namespace of the first Body child (docs/translation.md#soap-wire-rules), as SteVe does.
 * Either service half is accepted (docs/charger-quirks.md#q9-wrong-ocpp-namespace); 1.6 URNs with and without the
 * trailing slash.
 */
export function ocppVersionOf(namespace: string | undefined): OcppSoapVersion | undefined {
  if (!namespace) return undefined;
  const m = /^urn:\/\/Ocpp\/C[sp]\/(\d{4}\/\d{2})\/?$/i.exec(namespace.trim());
  switch (m?.[1]) {
    case '2010/08':
      return '1.2';
    case '2012/06':
      return '1.5';
    case '2015/10':
      return '1.6';
    default:
      return undefined;
  }
}
