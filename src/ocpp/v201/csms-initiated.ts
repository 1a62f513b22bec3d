/** OCPP 2.0.1 messages the CSMS initiates, and the device model they read and write (official 2.0.1 schemas). */
import type { ChargingProfile201 } from './smart-charging.js';
import type { ComponentRef201, Evse201, IdToken201, IdTokenInfo201, StatusInfo201, VariableRef201 } from './types.js';

export type Mutability201 = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
export type DataType201 =
  | 'string'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'boolean'
  | 'OptionList'
  | 'SequenceList'
  | 'MemberList';
export interface VariableAttribute201 {
  type?: 'Actual' | 'Target' | 'MinSet' | 'MaxSet';
  value?: string;
  mutability?: Mutability201;
  persistent?: boolean;
  constant?: boolean;
}
export interface ReportData201 {
  component: ComponentRef201;
  variable: VariableRef201;
  variableAttribute: VariableAttribute201[];
  variableCharacteristics?: { unit?: string; dataType: DataType201; valuesList?: string; supportsMonitoring: boolean };
}
export interface NotifyReportRequest201 {
  requestId: number;
  generatedAt: string;
  seqNo: number;
  tbc?: boolean;
  reportData?: ReportData201[];
}

// ---- CSMS -> charging station ----

export interface RequestStartTransactionRequest201 {
  idToken: IdToken201;
  remoteStartId: number;
  evseId?: number;
  groupIdToken?: IdToken201;
  chargingProfile?: ChargingProfile201;
}
export interface RequestStopTransactionRequest201 {
  transactionId: string;
}
export interface RequestStartStopResponse201 {
  status: 'Accepted' | 'Rejected';
  transactionId?: string;
  statusInfo?: StatusInfo201;
}
export interface ResetRequest201 {
  type: 'Immediate' | 'OnIdle';
  evseId?: number;
}
export interface ResetResponse201 {
  status: 'Accepted' | 'Rejected' | 'Scheduled';
  statusInfo?: StatusInfo201;
}
export interface UnlockConnectorRequest201 {
  evseId: number;
  connectorId: number;
}
export interface UnlockConnectorResponse201 {
  status: 'Unlocked' | 'UnlockFailed' | 'OngoingAuthorizedTransaction' | 'UnknownConnector';
  statusInfo?: StatusInfo201;
}
export interface ChangeAvailabilityRequest201 {
  operationalStatus: 'Inoperative' | 'Operative';
  evse?: Evse201;
}
export interface StatusResponse201<S extends string = 'Accepted' | 'Rejected'> {
  status: S;
  statusInfo?: StatusInfo201;
}
export interface ReserveNowRequest201 {
  id: number;
  expiryDateTime: string;
  idToken: IdToken201;
  evseId?: number;
  connectorType?: string;
  groupIdToken?: IdToken201;
}
export interface CancelReservationRequest201 {
  reservationId: number;
}
export interface GetLocalListVersionResponse201 {
  versionNumber: number;
}
export interface SendLocalListRequest201 {
  versionNumber: number;
  updateType: 'Differential' | 'Full';
  localAuthorizationList?: { idToken: IdToken201; idTokenInfo?: IdTokenInfo201 }[];
}
export interface UpdateFirmwareRequest201 {
  requestId: number;
  retries?: number;
  retryInterval?: number;
  firmware: {
    location: string;
    retrieveDateTime: string;
    installDateTime?: string;
    signingCertificate?: string;
    signature?: string;
  };
}
export interface GetLogRequest201 {
  logType: 'DiagnosticsLog' | 'SecurityLog';
  requestId: number;
  retries?: number;
  retryInterval?: number;
  log: { remoteLocation: string; oldestTimestamp?: string; latestTimestamp?: string };
}
export interface GetLogResponse201 {
  status: 'Accepted' | 'Rejected' | 'AcceptedCanceled';
  filename?: string;
  statusInfo?: StatusInfo201;
}
export type AttributeType201 = 'Actual' | 'Target' | 'MinSet' | 'MaxSet';
export interface GetVariablesRequest201 {
  getVariableData: { component: ComponentRef201; variable: VariableRef201; attributeType?: AttributeType201 }[];
}
export interface GetVariableResult201 {
  attributeStatus: 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType';
  attributeType?: AttributeType201;
  attributeValue?: string;
  component: ComponentRef201;
  variable: VariableRef201;
  attributeStatusInfo?: StatusInfo201;
}
export interface GetVariablesResponse201 {
  getVariableResult: GetVariableResult201[];
}
export interface SetVariablesRequest201 {
  setVariableData: {
    component: ComponentRef201;
    variable: VariableRef201;
    attributeValue: string;
    attributeType?: AttributeType201;
  }[];
}
export interface SetVariableResult201 {
  attributeStatus:
    | 'Accepted'
    | 'Rejected'
    | 'UnknownComponent'
    | 'UnknownVariable'
    | 'NotSupportedAttributeType'
    | 'RebootRequired';
  attributeType?: AttributeType201;
  component: ComponentRef201;
  variable: VariableRef201;
  attributeStatusInfo?: StatusInfo201;
}
export interface SetVariablesResponse201 {
  setVariableResult: SetVariableResult201[];
}
export interface GetBaseReportRequest201 {
  requestId: number;
  reportBase: 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';
}
export interface GetReportRequest201 {
  requestId: number;
  componentVariable?: { component: ComponentRef201; variable?: VariableRef201 }[];
  componentCriteria?: ('Active' | 'Available' | 'Enabled' | 'Problem')[];
}
export interface DeviceModelStatusResponse201 {
  status: 'Accepted' | 'Rejected' | 'NotSupported' | 'EmptyResultSet';
  statusInfo?: StatusInfo201;
}
export interface TriggerMessageRequest201 {
  requestedMessage: string;
  evse?: Evse201;
}
export interface TriggerMessageResponse201 {
  status: 'Accepted' | 'Rejected' | 'NotImplemented';
  statusInfo?: StatusInfo201;
}
