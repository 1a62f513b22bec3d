/**
 * OCPP 2.0.1 payload shapes (OCA JSON schemas as shipped by ocpp-rpc, lib/schemas/ocpp2_0_1.json), only the fields the
 * gateway produces or reads. Optional fields are omitted, never null (OCPP 2.0.1 Part 4 section 4.1.2).
 */

/** IdTokenEnumType: how an idToken was obtained. A 1.5 idTag carries no type, so the gateway is told one. */
export const ID_TOKEN_TYPES = [
  'Central',
  'eMAID',
  'ISO14443',
  'ISO15693',
  'KeyCode',
  'Local',
  'MacAddress',
  'NoAuthorization',
] as const;
export type IdTokenType201 = (typeof ID_TOKEN_TYPES)[number];

export interface IdToken201 {
  idToken: string;
  type: string;
}

export type AuthorizationStatus201 =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';

export interface IdTokenInfo201 {
  status: AuthorizationStatus201;
  cacheExpiryDateTime?: string;
  groupIdToken?: IdToken201;
  evseId?: number[];
  chargingPriority?: number;
}

export interface StatusInfo201 {
  reasonCode: string;
  additionalInfo?: string;
}

export interface Evse201 {
  id: number;
  connectorId?: number;
}

// ---- Charging station -> CSMS ----

export interface AuthorizeRequest201 {
  idToken: IdToken201;
}
export interface AuthorizeResponse201 {
  idTokenInfo: IdTokenInfo201;
}

export type BootReason201 =
  | 'ApplicationReset'
  | 'FirmwareUpdate'
  | 'LocalReset'
  | 'PowerUp'
  | 'RemoteReset'
  | 'ScheduledReset'
  | 'Triggered'
  | 'Unknown'
  | 'Watchdog';
export interface BootNotificationRequest201 {
  chargingStation: {
    model: string;
    vendorName: string;
    serialNumber?: string;
    firmwareVersion?: string;
    modem?: { iccid?: string; imsi?: string };
  };
  reason: BootReason201;
}
export interface BootNotificationResponse201 {
  currentTime: string;
  interval: number;
  status: 'Accepted' | 'Pending' | 'Rejected';
  statusInfo?: StatusInfo201;
}

export interface HeartbeatResponse201 {
  currentTime: string;
}

export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export interface StatusNotificationRequest201 {
  timestamp: string;
  connectorStatus: ConnectorStatus201;
  evseId: number;
  connectorId: number;
}

export interface UnitOfMeasure201 {
  unit?: string;
  multiplier?: number;
}
export interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unitOfMeasure?: UnitOfMeasure201;
}
export interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}
export interface MeterValuesRequest201 {
  evseId: number;
  meterValue: MeterValue201[];
}

export type TriggerReason201 =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EnergyLimitReached'
  | 'EVCommunicationLost'
  | 'EVConnectTimeout'
  | 'MeterValueClock'
  | 'MeterValuePeriodic'
  | 'TimeLimitReached'
  | 'Trigger'
  | 'UnlockCommand'
  | 'StopAuthorized'
  | 'EVDeparted'
  | 'EVDetected'
  | 'RemoteStop'
  | 'RemoteStart'
  | 'AbnormalCondition'
  | 'SignedDataReceived'
  | 'ResetCommand';

export type StoppedReason201 =
  | 'DeAuthorized'
  | 'EmergencyStop'
  | 'EnergyLimitReached'
  | 'EVDisconnected'
  | 'GroundFault'
  | 'ImmediateReset'
  | 'Local'
  | 'LocalOutOfCredit'
  | 'MasterPass'
  | 'Other'
  | 'OvercurrentFault'
  | 'PowerLoss'
  | 'PowerQuality'
  | 'Reboot'
  | 'Remote'
  | 'SOCLimitReached'
  | 'StoppedByEV'
  | 'TimeLimitReached'
  | 'Timeout';

export interface TransactionInfo201 {
  transactionId: string;
  chargingState?: 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
  stoppedReason?: StoppedReason201;
  remoteStartId?: number;
}
export interface TransactionEventRequest201 {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: TriggerReason201;
  seqNo: number;
  offline?: boolean;
  reservationId?: number;
  transactionInfo: TransactionInfo201;
  evse?: Evse201;
  idToken?: IdToken201;
  meterValue?: MeterValue201[];
}
export interface TransactionEventResponse201 {
  totalCost?: number;
  idTokenInfo?: IdTokenInfo201;
}

export interface ComponentRef201 {
  name: string;
  instance?: string;
  evse?: Evse201;
}
export interface VariableRef201 {
  name: string;
  instance?: string;
}
export interface EventData201 {
  eventId: number;
  timestamp: string;
  trigger: 'Alerting' | 'Delta' | 'Periodic';
  actualValue: string;
  techCode?: string;
  techInfo?: string;
  cleared?: boolean;
  eventNotificationType: 'HardWiredNotification' | 'HardWiredMonitor' | 'PreconfiguredMonitor' | 'CustomMonitor';
  component: ComponentRef201;
  variable: VariableRef201;
}
export interface NotifyEventRequest201 {
  generatedAt: string;
  seqNo: number;
  tbc?: boolean;
  eventData: EventData201[];
}

export interface DataTransferRequest201 {
  vendorId: string;
  messageId?: string;
  data?: unknown;
}
export interface DataTransferResponse201 {
  status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
  data?: unknown;
  statusInfo?: StatusInfo201;
}

export interface FirmwareStatusNotificationRequest201 {
  status: string;
  requestId?: number;
}
export interface LogStatusNotificationRequest201 {
  status:
    | 'BadMessage'
    | 'Idle'
    | 'NotSupportedOperation'
    | 'PermissionDenied'
    | 'Uploaded'
    | 'UploadFailure'
    | 'Uploading'
    | 'AcceptedCanceled';
  requestId?: number;
}

export type EmptyPayload201 = Record<string, never>;
