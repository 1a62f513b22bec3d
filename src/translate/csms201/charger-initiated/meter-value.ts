import { defined, toUtc, type TranslationContext } from '../common.js';
import type { MeterValue15, SampledValue15 } from '../../ocpp/v15/types.js';
import type { MeterValue201, SampledValue201 } from '../../ocpp/v201/types.js';

/** MeasurandEnumType of 2.0.1: every 1.5 measurand but Temperature (docs/translation-201.md#metervalues). */
const MEASURANDS_201: ReadonlySet<string> = new Set([
  'Current.Export',
  'Current.Import',
  'Current.Offered',
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Active.Net',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Energy.Reactive.Net',
  'Energy.Apparent.Net',
  'Energy.Apparent.Import',
  'Energy.Apparent.Export',
  'Frequency',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Factor',
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'SoC',
  'Voltage',
]);
const CONTEXTS_201: ReadonlySet<string> = new Set([
  'Interruption.Begin',
  'Interruption.End',
  'Other',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
  'Trigger',
]);
const LOCATIONS_201: ReadonlySet<string> = new Set(['Body', 'Cable', 'EV', 'Inlet', 'Outlet']);
/** 1.5 unit names 2.0.1 spells as SI symbols; the others (Wh, kWh, varh, kvarh, W, kW, var, kvar, Celsius) are kept. */
const UNIT_TO_201: Readonly<Record<string, string>> = { Amp: 'A', Volt: 'V' };

/**
 * `<value unit="Amp" measurand="Current.Import">16.1</value>` -> `{ value: 16.1, measurand, unitOfMeasure: { unit: "A" } }`;
 * undefined when 2.0.1 cannot carry it: a measurand it lacks (Temperature, RPM), signed data, or a value that is not a
 * number. Each drop is noted.
 */
export function sampledValueTo201(
  v: SampledValue15,
  ctx: Pick<TranslationContext, 'notes'>,
): SampledValue201 | undefined {
  const text = v.$value.trim();
  if (v.measurand !== undefined && !MEASURANDS_201.has(v.measurand)) {
    ctx.notes.push(`sampled value of measurand ${v.measurand} dropped: OCPP 2.0.1 has no such measurand`);
    return undefined;
  }
  if (v.format === 'SignedData') {
    ctx.notes.push(
      'signed sampled value dropped: OCPP 2.0.1 carries signed data only with its signing method and key, which 1.5 does not give',
    );
    return undefined;
  }
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    ctx.notes.push(`sampled value '${text.slice(0, 40)}' dropped: OCPP 2.0.1 values are numbers`);
    return undefined;
  }
  return defined({
    value,
    context: v.context !== undefined && CONTEXTS_201.has(v.context) ? v.context : undefined,
    measurand: v.measurand,
    location: v.location !== undefined && LOCATIONS_201.has(v.location) ? v.location : undefined,
    unitOfMeasure: v.unit === undefined ? undefined : { unit: UNIT_TO_201[v.unit] ?? v.unit },
  });
}

/** A 1.5 meter value; undefined when none of its sampled values can be carried. */
export function meterValueTo201(mv: MeterValue15, ctx: TranslationContext): MeterValue201 | undefined {
  const sampledValue = mv.value
    .map((v) => sampledValueTo201(v, ctx))
    .filter((v): v is SampledValue201 => v !== undefined);
  return sampledValue.length === 0 ? undefined : { timestamp: toUtc(mv.timestamp, ctx.options.timezone), sampledValue };
}

export function meterValuesTo201(values: readonly MeterValue15[], ctx: TranslationContext): MeterValue201[] {
  return values.map((mv) => meterValueTo201(mv, ctx)).filter((mv): mv is MeterValue201 => mv !== undefined);
}

/** meterStart / meterStop (Wh, 1.5 ints) as the energy register reading of the transaction's begin or end. */
export function registerReading(
  timestamp: string,
  wh: number,
  context: 'Transaction.Begin' | 'Transaction.End',
): MeterValue201 {
  return {
    timestamp,
    sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }],
  };
}
