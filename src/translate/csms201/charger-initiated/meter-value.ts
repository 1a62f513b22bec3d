import type { TranslationContext } from '../../context.js';
import type { MeterValue16, SampledValue16 } from '../../../ocpp/v16/types.js';
import type { MeterValue201, SampledValue201 } from '../../../ocpp/v201/types.js';

/** MeasurandEnumType of 2.0.1: every 1.6 measurand but Temperature and RPM (docs/translation-201.md#metervalues). */
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
/**
 * The model's units as 2.0.1 spells them: the 1.6J misspelling Celcius (docs/translation.md#metervalues) is Celsius;
 * the others (Wh, kWh, varh, kvarh, W, kW, VA, kVA, var, kvar, A, V, K, Fahrenheit, Percent) are kept.
 */
const unitTo201 = (unit: string): string => (unit === 'Celcius' ? 'Celsius' : unit);

/**
 * `{ value: "16.1", measurand: "Current.Import", unit: "A" }` -> `{ value: 16.1, measurand, unitOfMeasure: { unit: "A" } }`;
 * undefined when 2.0.1 cannot carry it: a measurand it lacks (Temperature, RPM), signed data, or a value that is not a
 * number. Each drop is noted.
 */
export function sampledValueTo201(
  v: SampledValue16,
  ctx: Pick<TranslationContext, 'notes'>,
): SampledValue201 | undefined {
  const text = v.value.trim();
  if (v.measurand !== undefined && !MEASURANDS_201.has(v.measurand)) {
    ctx.notes.push(`sampled value of measurand ${v.measurand} dropped: OCPP 2.0.1 has no such measurand`);
    return undefined;
  }
  if (v.format === 'SignedData') {
    ctx.notes.push(
      'signed sampled value dropped: OCPP 2.0.1 carries signed data only with its signing method and key, which OCPP SOAP does not give',
    );
    return undefined;
  }
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    ctx.notes.push(`sampled value '${text.slice(0, 40)}' dropped: OCPP 2.0.1 values are numbers`);
    return undefined;
  }
  // Set by name rather than through `defined`, as the 1.6 model's sampled values are (dialects/meter-values.ts).
  const out: SampledValue201 = { value };
  if (v.context !== undefined && CONTEXTS_201.has(v.context)) out.context = v.context;
  if (v.measurand !== undefined) out.measurand = v.measurand;
  if (v.phase !== undefined) out.phase = v.phase;
  if (v.location !== undefined && LOCATIONS_201.has(v.location)) out.location = v.location;
  if (v.unit !== undefined) out.unitOfMeasure = { unit: unitTo201(v.unit) };
  return out;
}

/** A meter value of the model (its time in UTC); undefined when none of its sampled values can be carried. */
export function meterValueTo201(mv: MeterValue16, ctx: TranslationContext): MeterValue201 | undefined {
  const sampledValue = mv.sampledValue
    .map((v) => sampledValueTo201(v, ctx))
    .filter((v): v is SampledValue201 => v !== undefined);
  return sampledValue.length === 0 ? undefined : { timestamp: mv.timestamp, sampledValue };
}

export function meterValuesTo201(values: readonly MeterValue16[], ctx: TranslationContext): MeterValue201[] {
  return values.map((mv) => meterValueTo201(mv, ctx)).filter((mv): mv is MeterValue201 => mv !== undefined);
}

/** meterStart / meterStop (Wh, SOAP ints) as the energy register reading of the transaction's begin or end. */
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
