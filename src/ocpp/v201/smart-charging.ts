import type { StatusInfo201 } from './types.js';

/** OCPP 2.0.1 smart-charging shapes (OCA 2.0.1 schemas, K01, K10, K08), the fields the gateway reads or writes. */

export type ChargingProfilePurpose201 =
  | 'ChargingStationExternalConstraints'
  | 'ChargingStationMaxProfile'
  | 'TxDefaultProfile'
  | 'TxProfile';
export type ChargingRateUnit201 = 'A' | 'W';

export interface ChargingSchedulePeriod201 {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
  phaseToUse?: number;
}
export interface ChargingSchedule201 {
  id: number;
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: ChargingRateUnit201;
  chargingSchedulePeriod: ChargingSchedulePeriod201[];
  minChargingRate?: number;
  salesTariff?: object;
}
export interface ChargingProfile201 {
  id: number;
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurpose201;
  chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
  recurrencyKind?: 'Daily' | 'Weekly';
  validFrom?: string;
  validTo?: string;
  transactionId?: string;
  chargingSchedule: ChargingSchedule201[];
}

export interface SetChargingProfileRequest201 {
  evseId: number;
  chargingProfile: ChargingProfile201;
}
export interface ClearChargingProfileRequest201 {
  chargingProfileId?: number;
  chargingProfileCriteria?: {
    evseId?: number;
    chargingProfilePurpose?: ChargingProfilePurpose201;
    stackLevel?: number;
  };
}
export interface GetCompositeScheduleRequest201 {
  duration: number;
  chargingRateUnit?: ChargingRateUnit201;
  evseId: number;
}
export interface CompositeSchedule201 {
  evseId: number;
  duration: number;
  scheduleStart: string;
  chargingRateUnit: ChargingRateUnit201;
  chargingSchedulePeriod: ChargingSchedulePeriod201[];
}
export interface GetCompositeScheduleResponse201 {
  status: 'Accepted' | 'Rejected';
  statusInfo?: StatusInfo201;
  schedule?: CompositeSchedule201;
}
