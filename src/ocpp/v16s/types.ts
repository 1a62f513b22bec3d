/**
 * OCPP 1.6 SOAP (OCPP-S, urn://Ocpp/Cs/2015/10/, urn://Ocpp/Cp/2015/10/) message shapes as the WSDL-driven decoder
 * produces them (src/soap/codec.ts). 1.6 SOAP is the 1.6 data model in another encoding, so the 1.6J types
 * (ocpp/v16/types.ts) describe it; the differences are the decoder's: a field that may repeat is always an array
 * (empty when absent), an xs:decimal is a number, and the unit of temperature is spelled `Celsius`
 * (docs/translation.md#ocpp-16-soap-chargers).
 */
import type {
  AuthorizationData16,
  GetConfigurationResponse16,
  KeyValue16,
  MeterValue16,
  StopTransactionRequest16,
} from '../v16/types.js';

export type {
  AuthorizeRequest16 as AuthorizeRequest16s,
  BootNotificationRequest16 as BootNotificationRequest16s,
  BootNotificationResponse16 as BootNotificationResponse16s,
  MeterValuesRequest16 as MeterValuesRequest16s,
  StartTransactionRequest16 as StartTransactionRequest16s,
  StatusNotificationRequest16 as StatusNotificationRequest16s,
} from '../v16/types.js';

/** transactionData is always an array, empty when the charger sent none. */
export interface StopTransactionRequest16s extends Omit<StopTransactionRequest16, 'transactionData'> {
  transactionData: MeterValue16[];
}

export interface GetConfigurationRequest16s {
  key: string[];
}
export interface GetConfigurationResponse16s extends Required<GetConfigurationResponse16> {
  configurationKey: KeyValue16[];
  unknownKey: string[];
}

export interface SendLocalListRequest16s {
  listVersion: number;
  localAuthorizationList: AuthorizationData16[];
  updateType: 'Differential' | 'Full';
}
