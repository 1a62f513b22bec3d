import { fileURLToPath } from 'node:url';
import { OCPP12_SOAP, OCPP15_SOAP, OCPP16_SOAP, type DialectFacts, type OcppSoapVersion } from '../ocpp/dialects.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { wsdlModel, type Operation, type WsdlModel } from './wsdl-model.js';

export type { OcppSoapVersion } from '../ocpp/dialects.js';

const WSDL_DIR = fileURLToPath(new URL('../../wsdl/', import.meta.url));

/**
 * One SOAP dialect of OCPP as the gateway speaks it (docs/translation.md#soap-dialects): its facts (namespaces, Boot
 * answer, Action form; ocpp/dialects.ts) and the official WSDLs in wsdl/ the codec is built from. The dialect of a
 * request is the namespace of its body.
 */
export interface SoapDialect extends DialectFacts {
  readonly wsdlFiles: { readonly centralSystem: string; readonly chargePoint: string };
  centralSystem(): WsdlModel;
  chargePoint(): WsdlModel;
  /** wsa:Action of the gateway's answer to a charger request of this dialect (docs/translation.md#soap-dialects). */
  responseAction(op: Operation): string;
}

function dialect(facts: DialectFacts, centralSystem: string, chargePoint: string): SoapDialect {
  const files = { centralSystem: `${WSDL_DIR}${centralSystem}`, chargePoint: `${WSDL_DIR}${chargePoint}` };
  return {
    ...facts,
    wsdlFiles: files,
    centralSystem: () => wsdlModel(files.centralSystem),
    chargePoint: () => wsdlModel(files.chargePoint),
    responseAction: (op) =>
      facts.responseActionForm === 'declared' || op.outputActionDeclared
        ? op.outputAction
        : `${facts.csNamespace}${wsdlModel(files.centralSystem).serviceName}/${op.name}Response`,
  };
}

export const ocpp12Soap = dialect(OCPP12_SOAP, 'CentralSystemService_1.2.wsdl', 'ChargePointService_1.2.wsdl');
export const ocpp15Soap = dialect(OCPP15_SOAP, 'CentralSystemService.wsdl', 'ChargePointService.wsdl');
export const ocpp16Soap = dialect(OCPP16_SOAP, 'CentralSystemService_1.6.wsdl', 'ChargePointService_1.6.wsdl');

const DIALECTS: Readonly<Record<SourceDialect, SoapDialect>> = {
  'ocpp1.2-soap': ocpp12Soap,
  'ocpp1.5-soap': ocpp15Soap,
  'ocpp1.6-soap': ocpp16Soap,
};

/** The dialect of an OCPP version found on the wire (each has its WSDLs in wsdl/). */
export function soapDialectOfVersion(version: OcppSoapVersion): SoapDialect {
  return Object.values(DIALECTS).find((d) => d.version === version)!;
}

export function soapDialect(id: SourceDialect): SoapDialect {
  return DIALECTS[id];
}

/**
 * OCPP version from the namespace of the first Body child (docs/translation.md#soap-wire-rules), as SteVe does.
 * Either service half is accepted (docs/charger-quirks.md#q9-wrong-ocpp-namespace), with and without the trailing
 * slash.
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
