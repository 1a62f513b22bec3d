import type { TranslationContext } from '../context.js';
import { toUtc } from '../field-rules.js';
import type { MeterValue12 } from '../../ocpp/v12/types.js';
import type { MeterValue15, SampledValue15 } from '../../ocpp/v15/types.js';
import type { MeterValue16, SampledValue16 } from '../../ocpp/v16/types.js';

/**
 * Meter values of every dialect in the model (docs/translation.md#metervalues): 1.5 `<value attrs>text</value>`, 1.6
 * SOAP `sampledValue` elements, 1.2 one integer per timestamp. Times in UTC; no defaults are invented.
 */

/**
 * SOAP unit names that 1.6J spells differently: 1.5 Amp and Volt; `Celsius` (1.5 and the 1.6 WSDL) is the configured
 * 1.6J spelling (docs/translation.md#metervalues). Every other unit, context, format, measurand, phase and location
 * value is spelled the same.
 */
export function unitTo16(unit: string, ctx: Pick<TranslationContext, 'options'>): string {
  // Compared rather than looked up in a table: a unit is a string new with every envelope, and a lookup by it hashes
  // it and searches V8's string table for every sampled value (docs/architecture.md#design-choices).
  if (unit === 'Celsius') return ctx.options.celsiusUnit;
  if (unit === 'Amp') return 'A';
  return unit === 'Volt' ? 'V' : unit;
}

/** The attributes a sampled value has in every SOAP dialect (1.5 has no phase). */
type SampledValueFields = Omit<SampledValue16, 'value'>;

/**
 * A sampled value of the model from its text and its SOAP attributes: the unit as 1.6J spells it, no defaults invented,
 * an absent attribute left out. Each field is set by name rather than through `defined`: a store that adds a property
 * under a computed key takes V8's slow path for every field (docs/architecture.md#design-choices).
 */
function sampledValue16(text: string, v: SampledValueFields, ctx: TranslationContext): SampledValue16 {
  const out: SampledValue16 = { value: text.trim() };
  if (v.context !== undefined) out.context = v.context;
  if (v.format !== undefined) out.format = v.format;
  if (v.measurand !== undefined) out.measurand = v.measurand;
  if (v.phase !== undefined) out.phase = v.phase;
  if (v.location !== undefined) out.location = v.location;
  if (v.unit !== undefined) out.unit = unitTo16(v.unit, ctx);
  return out;
}

/** `<value unit="Amp" measurand="Current.Import">16.1</value>` -> `{ value: "16.1", measurand, unit: "A" }`. */
export const sampledValueTo16 = (v: SampledValue15, ctx: TranslationContext): SampledValue16 =>
  sampledValue16(v.$value, v, ctx);

export function meterValueTo16(mv: MeterValue15, ctx: TranslationContext): MeterValue16 {
  return {
    timestamp: toUtc(mv.timestamp, ctx.options.timezone),
    sampledValue: mv.value.map((v) => sampledValueTo16(v, ctx)),
  };
}

/** A 1.6 SOAP meter value, its sampledValue children in any order (docs/charger-quirks.md#q13-element-order). */
export function meterValue16s(mv: MeterValue16, ctx: TranslationContext): MeterValue16 {
  return {
    timestamp: toUtc(mv.timestamp, ctx.options.timezone),
    sampledValue: mv.sampledValue.map((v) => sampledValue16(v.value, v, ctx)),
  };
}

/**
 * A 1.2 reading: an xs:int with no attributes, which the model reads as 1.6 reads a value without attributes, an
 * active import energy register in Wh (1.6 section 4.7).
 */
export function meterValue12(mv: MeterValue12, ctx: TranslationContext): MeterValue16 {
  return { timestamp: toUtc(mv.timestamp, ctx.options.timezone), sampledValue: [{ value: String(mv.value) }] };
}
