import { defined, toUtc, type TranslationContext } from './common.js';
import type { MeterValue15, SampledValue15 } from '../ocpp/v15/types.js';
import type { MeterValue16, SampledValue16 } from '../ocpp/v16/types.js';

/**
 * 1.5 unit names that 1.6 spells differently (docs/translation.md#metervalues); every other unit, context, format,
 * measurand and
 * location value is spelled the same in both versions.
 */
const UNIT_15_TO_16: Readonly<Record<string, string>> = { Amp: 'A', Volt: 'V' };

export function unitTo16(unit: string, ctx: TranslationContext): string {
  if (unit === 'Celsius') return ctx.options.celsiusUnit;
  return UNIT_15_TO_16[unit] ?? unit;
}

/**
 * `<value unit="Amp" measurand="Current.Import">16.1</value>` -> `{ value: "16.1", measurand, unit: "A" }`; no defaults
 * invented.
 */
export function sampledValueTo16(v: SampledValue15, ctx: TranslationContext): SampledValue16 {
  return defined({
    value: v.$value.trim(),
    context: v.context,
    format: v.format,
    measurand: v.measurand,
    location: v.location,
    unit: v.unit === undefined ? undefined : unitTo16(v.unit, ctx),
  });
}

export function meterValueTo16(mv: MeterValue15, ctx: TranslationContext): MeterValue16 {
  return {
    timestamp: toUtc(mv.timestamp, ctx.options.timezone),
    sampledValue: mv.value.map((v) => sampledValueTo16(v, ctx)),
  };
}
