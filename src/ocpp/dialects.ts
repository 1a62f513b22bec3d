import type { SourceDialect } from './protocols.js';

/**
 * What differs between the SOAP dialects of OCPP beyond their WSDLs (docs/translation.md#soap-dialects): the
 * namespaces, the BootNotification answer, and the form of wsa:Action on answers. Data, read by the SOAP layer
 * (soap/dialects.ts) and by translation (translate/dialects/), so each fact is written once.
 */
export interface DialectFacts {
  readonly id: SourceDialect;
  /** The OCPP version as the body namespace names it (urn://Ocpp/Cs/2012/06/ is 1.5). */
  readonly version: OcppSoapVersion;
  /** How log lines and errors name the dialect. */
  readonly title: string;
  /** CentralSystemService (charger -> central system) and ChargePointService namespaces, trailing slash as in the WSDL. */
  readonly csNamespace: string;
  readonly cpNamespace: string;
  /**
   * The BootNotification answer: the element that carries the interval (1.2 and 1.5 `heartbeatInterval`, 1.6
   * `interval`) and whether the dialect knows Pending (1.6 only).
   */
  readonly bootAnswer: { readonly intervalField: 'heartbeatInterval' | 'interval'; readonly pending: boolean };
  /**
   * wsa:Action of the gateway's answers: `declared` is the output Action the WSDL declares (`/HeartbeatResponse`);
   * `qualified` is `<namespace><service>/<operation>Response`, for a WSDL that declares none (1.2), as a well-known
   * 1.2 central system sends it.
   */
  readonly responseActionForm: 'declared' | 'qualified';
}

export type OcppSoapVersion = '1.2' | '1.5' | '1.6';

/** A dialect's facts; its namespaces are the two service halves of one date, slash included. */
const facts = (
  id: SourceDialect,
  version: OcppSoapVersion,
  date: string,
  bootAnswer: DialectFacts['bootAnswer'],
  responseActionForm: DialectFacts['responseActionForm'],
): DialectFacts => ({
  id,
  version,
  title: `OCPP ${version} SOAP`,
  csNamespace: `urn://Ocpp/Cs/${date}/`,
  cpNamespace: `urn://Ocpp/Cp/${date}/`,
  bootAnswer,
  responseActionForm,
});

export const OCPP12_SOAP = facts(
  'ocpp1.2-soap',
  '1.2',
  '2010/08',
  { intervalField: 'heartbeatInterval', pending: false },
  'qualified',
);
export const OCPP15_SOAP = facts(
  'ocpp1.5-soap',
  '1.5',
  '2012/06',
  { intervalField: 'heartbeatInterval', pending: false },
  'declared',
);
export const OCPP16_SOAP = facts(
  'ocpp1.6-soap',
  '1.6',
  '2015/10',
  { intervalField: 'interval', pending: true },
  'declared',
);

export const DIALECT_FACTS: Readonly<Record<SourceDialect, DialectFacts>> = {
  'ocpp1.2-soap': OCPP12_SOAP,
  'ocpp1.5-soap': OCPP15_SOAP,
  'ocpp1.6-soap': OCPP16_SOAP,
};

/**
 * The message shapes every SOAP dialect shares, which the bridge reads without caring which dialect a charger speaks:
 * the idTag answer (1.2, 1.5 and 1.6 have the same idTagInfo) and the part of a StartTransaction the offline policies
 * use.
 */
export interface SharedIdTagInfo {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}
export interface SharedAuthorizeResponse {
  idTagInfo: SharedIdTagInfo;
}
export interface SharedStartTransaction {
  connectorId: number;
  idTag: string;
  timestamp: string;
  meterStart: number;
}
