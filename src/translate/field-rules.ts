import { TranslationError } from './context.js';
import { isoTime, parseIsoTime, parseIsoTimeIn } from '../util/iso-time.js';

/**
 * xs:dateTime from a charger -> RFC 3339 UTC, as 1.6 requires ("format": "date-time" needs an offset,
 * docs/translation.md#common-rules).
 * A zone-less value is read in the charger's configured zone.
 */
export function toUtc(value: string, timezone: string): string {
  const ms = parseIsoTimeIn(value, timezone);
  if (Number.isNaN(ms)) throw new TranslationError(`'${value}' is not a valid dateTime`);
  return isoTime(ms);
}

/** 1.6 dateTime -> 1.5 xs:dateTime in UTC. */
export function fromCsmsTime(value: string): string {
  const ms = parseIsoTime(value);
  return Number.isNaN(ms) ? value : isoTime(ms);
}

/**
 * 1.5 strings have no length limit where 1.6 has one: truncate and note it, never fail the charger
 * (docs/translation.md#common-rules).
 */
export function clamp(
  value: string | undefined,
  max: number,
  field: string,
  ctx: { notes: string[] },
): string | undefined {
  if (value === undefined || value.length <= max) return value;
  ctx.notes.push(`${field} truncated from ${value.length} to ${max} characters`);
  return value.slice(0, max);
}

/** IdToken is 20 characters in 1.5 and 1.6 alike; a longer one cannot be shortened without naming another card. */
export function checkIdTag(idTag: string, field: string): string {
  if (idTag.length > 20) throw new TranslationError(`${field}: IdToken longer than 20 characters`);
  return idTag;
}

/**
 * Copies only the keys whose value is defined: 1.6 wants absent optional fields omitted, never null
 * (docs/translation.md#common-rules, E).
 */
export function defined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const k in obj) if (obj[k] !== undefined) out[k] = obj[k];
  return out as T;
}
