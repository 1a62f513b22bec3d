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

// ---- central system -> charge point ----

export interface CancelReservationRequest16 {
  reservationId: number;
}
export interface ChangeAvailabilityRequest16 {
  connectorId: number;
  type: 'Inoperative' | 'Operative';
}
export interface ChangeConfigurationRequest16 {
  key: string;
  value: string;
}
export interface ChangeConfigurationResponse16 {
  status: 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';
}
export interface StatusResponse16<S extends string = 'Accepted' | 'Rejected'> {
  status: S;
}
export interface GetConfigurationRequest16 {
  key?: string[];
}
export interface KeyValue16 {
  key: string;
  readonly: boolean;
  value?: string;
}
export interface GetConfigurationResponse16 {
  configurationKey?: KeyValue16[];
  unknownKey?: string[];
}
export interface GetDiagnosticsRequest16 {
  location: string;
  retries?: number;
  retryInterval?: number;
  startTime?: string;
  stopTime?: string;
}
export interface GetDiagnosticsResponse16 {
  fileName?: string;
}
export interface GetLocalListVersionResponse16 {
  listVersion: number;
}
export interface RemoteStartTransactionRequest16 {
  connectorId?: number;
  idTag: string;
  chargingProfile?: ChargingProfile16;
}
export interface RemoteStopTransactionRequest16 {
  transactionId: number;
}
export interface ReserveNowRequest16 {
  connectorId: number;
  expiryDate: string;
  idTag: string;
  parentIdTag?: string;
  reservationId: number;
}
export type ReservationStatus16 = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';
export interface ChangeAvailabilityResponse16 {
  status: 'Accepted' | 'Rejected' | 'Scheduled';
}
export interface ResetRequest16 {
  type: 'Hard' | 'Soft';
}
export interface AuthorizationData16 {
  idTag: string;
  idTagInfo?: IdTagInfo16;
}
export interface SendLocalListRequest16 {
  listVersion: number;
  localAuthorizationList?: AuthorizationData16[];
  updateType: 'Differential' | 'Full';
}
export interface SendLocalListResponse16 {
  status: 'Accepted' | 'Failed' | 'NotSupported' | 'VersionMismatch';
}
export interface UnlockConnectorRequest16 {
  connectorId: number;
}
export interface UnlockConnectorResponse16 {
  status: 'Unlocked' | 'UnlockFailed' | 'NotSupported';
}
export interface UpdateFirmwareRequest16 {
  location: string;
  retries?: number;
  retrieveDate: string;
  retryInterval?: number;
}
export interface TriggerMessageRequest16 {
  requestedMessage: string;
  connectorId?: number;
}
export interface TriggerMessageResponse16 {
  status: 'Accepted' | 'Rejected' | 'NotImplemented';
}

// ---- smart charging (1.6 sections 5.5, 5.7, 5.16; 7.7 to 7.15) ----

export type ChargingProfilePurpose16 = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';
export type ChargingRateUnit16 = 'A' | 'W';
export interface ChargingSchedulePeriod16 {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}
export interface ChargingSchedule16 {
  duration?: number;
  startSchedule?: string;
  chargingRateUnit: ChargingRateUnit16;
  chargingSchedulePeriod: ChargingSchedulePeriod16[];
  minChargingRate?: number;
}
export interface ChargingProfile16 {
  chargingProfileId: number;
  transactionId?: number;
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurpose16;
  chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
  chargingSchedule: ChargingSchedule16;
}
export interface SetChargingProfileRequest16 {
  connectorId: number;
  csChargingProfiles: ChargingProfile16;
}
export interface SetChargingProfileResponse16 {
  status: 'Accepted' | 'Rejected' | 'NotSupported';
}
export interface ClearChargingProfileRequest16 {
  id?: number;
  connectorId?: number;
  chargingProfilePurpose?: ChargingProfilePurpose16;
  stackLevel?: number;
}
export interface ClearChargingProfileResponse16 {
  status: 'Accepted' | 'Unknown';
}
export interface GetCompositeScheduleRequest16 {
  connectorId: number;
  duration: number;
  chargingRateUnit?: ChargingRateUnit16;
}
export interface GetCompositeScheduleResponse16 {
  status: 'Accepted' | 'Rejected';
  connectorId?: number;
  scheduleStart?: string;
  chargingSchedule?: ChargingSchedule16;
}
