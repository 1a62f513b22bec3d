/**
 * OCPP 1.2 SOAP message shapes (urn://Ocpp/Cs/2010/08/, urn://Ocpp/Cp/2010/08/) as the WSDL-driven decoder produces
 * them (src/soap/codec.ts): ints are numbers, dateTimes the charger's strings, maxOccurs > 1 fields arrays. Only what
 * differs from 1.5 is spelled out; the rest is the 1.5 shape (docs/translation.md#ocpp-12-chargers).
 */
import type {
  AuthorizationStatus15,
  BootNotificationRequest15,
  StartTransactionRequest15,
  StatusNotificationRequest15,
  StopTransactionRequest15,
} from '../v15/types.js';

export interface IdTagInfo12 {
  status: AuthorizationStatus15;
  expiryDate?: string;
  /** A plain string: 1.2 puts no limit on idTags. */
  parentIdTag?: string;
}

/** The nine fields of 1.5, with no length limits. */
export type BootNotificationRequest12 = BootNotificationRequest15;
/** currentTime and heartbeatInterval are optional in 1.2; the gateway always sends them. */
export interface BootNotificationResponse12 {
  status: 'Accepted' | 'Rejected';
  currentTime?: string;
  heartbeatInterval?: number;
}

/** One integer reading, no attributes: an energy register in Wh, the 1.6 default of a value without attributes. */
export interface MeterValue12 {
  timestamp: string;
  value: number;
}
/** No transactionId in 1.2. */
export interface MeterValuesRequest12 {
  connectorId: number;
  values: MeterValue12[];
}

/** No reservationId in 1.2. */
export type StartTransactionRequest12 = Omit<StartTransactionRequest15, 'reservationId'>;

export type ChargePointStatus12 = 'Available' | 'Occupied' | 'Faulted' | 'Unavailable';
/** Eight error codes (Mode3Error among them), no info, timestamp or vendor fields. */
export interface StatusNotificationRequest12 extends Pick<StatusNotificationRequest15, 'connectorId' | 'errorCode'> {
  status: ChargePointStatus12;
}

/** No transactionData and no reason in 1.2. */
export type StopTransactionRequest12 = Omit<StopTransactionRequest15, 'transactionData'>;

/** UnlockConnector answers Accepted or Rejected, as in 1.5. */
export interface UnlockConnectorResponse12 {
  status: 'Accepted' | 'Rejected';
}
