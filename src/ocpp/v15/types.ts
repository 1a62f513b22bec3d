/**
 * OCPP 1.5 message shapes as the WSDL-driven decoder produces them (src/soap/codec.ts): ints are numbers,
 * dateTimes are the charger's strings (normalised during translation), maxOccurs > 1 fields are arrays,
 * simpleContent values are `{ $value, ...attributes }`.
 */

export type AuthorizationStatus15 = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTagInfo15 {
  status: AuthorizationStatus15;
  expiryDate?: string;
  parentIdTag?: string;
}

// ---- CentralSystemService (charger -> central system) ----

export interface AuthorizeRequest15 {
  idTag: string;
}
export interface AuthorizeResponse15 {
  idTagInfo: IdTagInfo15;
}

export interface BootNotificationRequest15 {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}
export interface BootNotificationResponse15 {
  status: 'Accepted' | 'Rejected';
  currentTime: string;
  heartbeatInterval: number;
}

export interface DataTransferRequest15 {
  vendorId: string;
  messageId?: string;
  data?: string;
}
export type DataTransferStatus = 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
export interface DataTransferResponse15 {
  status: DataTransferStatus;
  data?: string;
}

export interface DiagnosticsStatusNotificationRequest15 {
  status: 'Uploaded' | 'UploadFailed';
}
export interface FirmwareStatusNotificationRequest15 {
  status: 'Downloaded' | 'DownloadFailed' | 'InstallationFailed' | 'Installed';
}
export type EmptyResponse15 = Record<string, never>;

export type HeartbeatRequest15 = Record<string, never>;
export interface HeartbeatResponse15 {
  currentTime: string;
}

export interface SampledValue15 {
  $value: string;
  context?: string;
  format?: string;
  measurand?: string;
  location?: string;
  unit?: string;
}
export interface MeterValue15 {
  timestamp: string;
  value: SampledValue15[];
}
export interface MeterValuesRequest15 {
  connectorId: number;
  transactionId?: number;
  values: MeterValue15[];
}

export interface StartTransactionRequest15 {
  connectorId: number;
  idTag: string;
  timestamp: string;
  meterStart: number;
  reservationId?: number;
}
export interface StartTransactionResponse15 {
  transactionId: number;
  idTagInfo: IdTagInfo15;
}

export type ChargePointStatus15 = 'Available' | 'Occupied' | 'Faulted' | 'Unavailable' | 'Reserved';
export interface StatusNotificationRequest15 {
  connectorId: number;
  status: ChargePointStatus15;
  errorCode: string;
  info?: string;
  timestamp?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export interface StopTransactionRequest15 {
  transactionId: number;
  idTag?: string;
  timestamp: string;
  meterStop: number;
  transactionData: { values: MeterValue15[] }[];
}
export interface StopTransactionResponse15 {
  idTagInfo?: IdTagInfo15;
}

// ---- ChargePointService (central system -> charger) ----

export type SimpleStatus15 = 'Accepted' | 'Rejected';

export interface CancelReservationRequest15 {
  reservationId: number;
}
export interface ChangeAvailabilityRequest15 {
  connectorId: number;
  type: 'Inoperative' | 'Operative';
}
export interface ChangeAvailabilityResponse15 {
  status: 'Accepted' | 'Rejected' | 'Scheduled';
}
export interface ChangeConfigurationRequest15 {
  key: string;
  value: string;
}
export interface ChangeConfigurationResponse15 {
  status: 'Accepted' | 'Rejected' | 'NotSupported';
}
export interface StatusResponse15<S extends string = SimpleStatus15> {
  status: S;
}
export interface GetConfigurationRequest15 {
  key: string[];
}
export interface KeyValue15 {
  key: string;
  readonly: boolean;
  value?: string;
}
export interface GetConfigurationResponse15 {
  configurationKey: KeyValue15[];
  unknownKey: string[];
}
export interface GetDiagnosticsRequest15 {
  location: string;
  startTime?: string;
  stopTime?: string;
  retries?: number;
  retryInterval?: number;
}
export interface GetDiagnosticsResponse15 {
  fileName?: string;
}
export interface GetLocalListVersionResponse15 {
  listVersion: number;
}
export interface RemoteStartTransactionRequest15 {
  idTag: string;
  connectorId?: number;
}
export interface RemoteStopTransactionRequest15 {
  transactionId: number;
}
export interface ReserveNowRequest15 {
  connectorId: number;
  expiryDate: string;
  idTag: string;
  parentIdTag?: string;
  reservationId: number;
}
export type ReservationStatus15 = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';
export interface ResetRequest15 {
  type: 'Hard' | 'Soft';
}
export interface AuthorisationData15 {
  idTag: string;
  idTagInfo?: IdTagInfo15;
}
export interface SendLocalListRequest15 {
  updateType: 'Differential' | 'Full';
  listVersion: number;
  localAuthorisationList: AuthorisationData15[];
  hash?: string;
}
export type UpdateStatus15 = 'Accepted' | 'Failed' | 'HashError' | 'NotSupported' | 'VersionMismatch';
export interface SendLocalListResponse15 {
  status: UpdateStatus15;
  hash?: string;
}
export interface UnlockConnectorRequest15 {
  connectorId: number;
}
export interface UpdateFirmwareRequest15 {
  retrieveDate: string;
  location: string;
  retries?: number;
  retryInterval?: number;
}
