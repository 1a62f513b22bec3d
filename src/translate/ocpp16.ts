/** OCPP 1.6J payload shapes (OCA JSON schemas, urn:OCPP:1.6:2019:12), only the fields the gateway produces or reads. */

export type AuthorizationStatus16 = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTagInfo16 {
  status: AuthorizationStatus16;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthorizeRequest16 {
  idTag: string;
}
export interface AuthorizeResponse16 {
  idTagInfo: IdTagInfo16;
}

export interface BootNotificationRequest16 {
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
export interface BootNotificationResponse16 {
  status: 'Accepted' | 'Pending' | 'Rejected';
  currentTime: string;
  interval: number;
}

export interface DataTransferRequest16 {
  vendorId: string;
  messageId?: string;
  data?: string;
}
export interface DataTransferResponse16 {
  status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
  data?: string;
}

export interface DiagnosticsStatusNotificationRequest16 {
  status: 'Idle' | 'Uploaded' | 'UploadFailed' | 'Uploading';
}
export interface FirmwareStatusNotificationRequest16 {
  status: 'Downloaded' | 'DownloadFailed' | 'Downloading' | 'Idle' | 'InstallationFailed' | 'Installing' | 'Installed';
}
export type EmptyPayload = Record<string, never>;

export interface HeartbeatResponse16 {
  currentTime: string;
}

export interface SampledValue16 {
  value: string;
  context?: string;
  format?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}
export interface MeterValue16 {
  timestamp: string;
  sampledValue: SampledValue16[];
}
export interface MeterValuesRequest16 {
  connectorId: number;
  transactionId?: number;
  meterValue: MeterValue16[];
}

export interface StartTransactionRequest16 {
  connectorId: number;
  idTag: string;
  meterStart: number;
  reservationId?: number;
  timestamp: string;
}
export interface StartTransactionResponse16 {
  idTagInfo: IdTagInfo16;
  transactionId: number;
}

export type ChargePointStatus16 =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';
export interface StatusNotificationRequest16 {
  connectorId: number;
  errorCode: string;
  info?: string;
  status: ChargePointStatus16;
  timestamp?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export type StopReason16 =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';
export interface StopTransactionRequest16 {
  idTag?: string;
  meterStop: number;
  timestamp: string;
  transactionId: number;
  reason?: StopReason16;
  transactionData?: MeterValue16[];
}
export interface StopTransactionResponse16 {
  idTagInfo?: IdTagInfo16;
}
