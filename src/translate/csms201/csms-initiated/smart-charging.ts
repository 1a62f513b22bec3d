import type { ChargerState } from '../../charger-state.js';
import { defined } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type {
  ChargingProfile16,
  ChargingProfilePurpose16,
  ClearChargingProfileRequest16,
  ClearChargingProfileResponse16,
  GetCompositeScheduleRequest16,
  GetCompositeScheduleResponse16,
  SetChargingProfileRequest16,
  SetChargingProfileResponse16,
} from '../../../ocpp/v16/types.js';
import type { StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';
import type {
  ChargingProfile201,
  ChargingProfilePurpose201,
  ClearChargingProfileRequest201,
  GetCompositeScheduleRequest201,
  GetCompositeScheduleResponse201,
  SetChargingProfileRequest201,
} from '../../../ocpp/v201/smart-charging.js';

/**
 * 2.0.1 smart charging for a charger that has 1.6's (docs/translation-201.md#smart-charging): profiles, their
 * clearing and the composite schedule, in 1.6 words. What 1.6 has no place for is refused when it changes the
 * meaning (an external-constraints profile, a transaction the charger does not know) and noted when it does not
 * (further schedules, phaseToUse, a sales tariff).
 */

const PURPOSE_16: Readonly<Partial<Record<ChargingProfilePurpose201, ChargingProfilePurpose16>>> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/** 1.6 limits are multiples of 0.1 (the 1.6J schema; DecimalOne in the 1.6 WSDL). */
const tenths = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);

export type ProfileOutcome = { profile: ChargingProfile16 } | { refused: string };

/** A 2.0.1 charging profile in 1.6 words, or the reasonCode of why it cannot be one. */
export function profileTo16(p: ChargingProfile201, state: ChargerState, ctx: { notes: string[] }): ProfileOutcome {
  const purpose = PURPOSE_16[p.chargingProfilePurpose];
  if (!purpose) return { refused: 'UnsupportedPurpose' };
  let transactionId: number | undefined;
  if (p.transactionId !== undefined) {
    transactionId = Object.values(state.transactions).find(
      (t) => t.csmsTransactionId === p.transactionId,
    )?.transactionId;
    if (transactionId === undefined) return { refused: 'TxNotFound' };
  }
  const [schedule, ...others] = p.chargingSchedule;
  if (others.length > 0) ctx.notes.push(`charging profile ${p.id}: only its first schedule reaches a 1.6 charger`);
  if (schedule!.salesTariff) ctx.notes.push(`charging profile ${p.id}: salesTariff dropped, 1.6 has none`);
  if (schedule!.chargingSchedulePeriod.some((period) => period.phaseToUse !== undefined))
    ctx.notes.push(`charging profile ${p.id}: phaseToUse dropped, 1.6 has none`);
  return {
    profile: defined({
      chargingProfileId: p.id,
      transactionId,
      stackLevel: p.stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: p.chargingProfileKind,
      recurrencyKind: p.recurrencyKind,
      validFrom: p.validFrom,
      validTo: p.validTo,
      chargingSchedule: defined({
        duration: schedule!.duration,
        startSchedule: schedule!.startSchedule,
        chargingRateUnit: schedule!.chargingRateUnit,
        chargingSchedulePeriod: schedule!.chargingSchedulePeriod.map((period) =>
          defined({ startPeriod: period.startPeriod, limit: tenths(period.limit)!, numberPhases: period.numberPhases }),
        ),
        minChargingRate: tenths(schedule!.minChargingRate),
      }),
    }),
  };
}

/** docs/translation-201.md#smart-charging: evseId is the 1.6 connectorId (0: the whole charger). */
export const setChargingProfile: CsmsInitiatedOperation<
  SetChargingProfileRequest201,
  StatusResponse201,
  SetChargingProfileRequest16,
  SetChargingProfileResponse16
> = {
  csmsAction: 'SetChargingProfile',
  chargerAction: 'SetChargingProfile',
  toSoap: (r, state, ctx) => {
    const outcome = profileTo16(r.chargingProfile, state, ctx);
    if ('refused' in outcome)
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: outcome.refused } } };
    return { kind: 'soap', request: { connectorId: r.evseId, csChargingProfiles: outcome.profile } };
  },
  // 1.6 NotSupported has no 2.0.1 status: Rejected, saying why.
  fromSoap: (response) =>
    response.status === 'NotSupported'
      ? { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } }
      : { status: response.status },
};

/** docs/translation-201.md#smart-charging: the criteria in 1.6 words; no 1.6 profile is an external constraint. */
export const clearChargingProfile: CsmsInitiatedOperation<
  ClearChargingProfileRequest201,
  StatusResponse201<'Accepted' | 'Unknown'>,
  ClearChargingProfileRequest16,
  ClearChargingProfileResponse16
> = {
  csmsAction: 'ClearChargingProfile',
  chargerAction: 'ClearChargingProfile',
  toSoap: (r) => {
    const criteria = r.chargingProfileCriteria;
    const purpose = criteria?.chargingProfilePurpose;
    if (purpose !== undefined && !PURPOSE_16[purpose]) return { kind: 'answer', result: { status: 'Unknown' } };
    return {
      kind: 'soap',
      request: defined({
        id: r.chargingProfileId,
        connectorId: criteria?.evseId,
        chargingProfilePurpose: purpose === undefined ? undefined : PURPOSE_16[purpose],
        stackLevel: criteria?.stackLevel,
      }),
    };
  },
  fromSoap: (response) => ({ status: response.status }),
};

/**
 * docs/translation-201.md#smart-charging: 1.6's answer as a CompositeScheduleType; its start is the charger's
 * scheduleStart, else the schedule's own, else now; its duration the schedule's, else the one asked for.
 */
export const getCompositeSchedule: CsmsInitiatedOperation<
  GetCompositeScheduleRequest201,
  GetCompositeScheduleResponse201,
  GetCompositeScheduleRequest16,
  GetCompositeScheduleResponse16
> = {
  csmsAction: 'GetCompositeSchedule',
  chargerAction: 'GetCompositeSchedule',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({ connectorId: r.evseId, duration: r.duration, chargingRateUnit: r.chargingRateUnit }),
  }),
  fromSoap: (response, request, ctx) => {
    const schedule = response.chargingSchedule;
    if (response.status !== 'Accepted' || !schedule) return { status: response.status };
    return {
      status: 'Accepted',
      schedule: {
        evseId: response.connectorId ?? request.evseId,
        duration: schedule.duration ?? request.duration,
        scheduleStart: response.scheduleStart ?? schedule.startSchedule ?? ctx.now,
        chargingRateUnit: schedule.chargingRateUnit,
        chargingSchedulePeriod: schedule.chargingSchedulePeriod.map((p) => defined({ ...p })),
      },
    };
  },
};
