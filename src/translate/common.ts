/**
 * A charger message that cannot be translated as it stands (a malformed value, an idTag too long to carry). The
 * bridge answers it as the dialect's protocol error (docs/translation.md#common-rules).
 */
export class TranslationError extends Error {
  override name = 'TranslationError';
}

/** Options that shape translation; from configuration, per charger where it allows. */
export interface TranslationOptions {
  /** 1.6J spelling for the SOAP unit Celsius (docs/translation.md#metervalues). */
  celsiusUnit: 'Celcius' | 'Celsius';
  /** Zone assumed for zone-less charger dateTimes, "Z" or "+01:00" (docs/translation.md#common-rules). */
  timezone: string;
  /** heartbeatInterval for a Rejected answer when the CSMS gave 0 (docs/translation.md#bootnotification). */
  bootRetryIntervalSec: number;
  /** IdTokenEnumType of the charger's idTags towards an OCPP 2.0.1 CSMS (docs/translation-201.md#authorize). */
  idTokenType?: string;
}

/** Per-message inputs: no clock or I/O inside translation, everything arrives here. */
export interface TranslationContext {
  /** When the SOAP request arrived (ISO 8601 UTC); used where a charger message has no timestamp. */
  receivedAt: string;
  options: TranslationOptions;
  /** Things worth a log line (truncations, inferences); the caller logs them with the charger identity. */
  notes: string[];
  /**
   * The gateway's id of this charger message (its queued job), unique and kept across redeliveries: where a CSMS
   * protocol needs an id the charger never gave, it is derived from this one (docs/translation-201.md#transaction-ids).
   */
  messageId?: string;
  /** The transaction id the charger was given locally for this StartTransaction (docs/translation.md#offline-policies). */
  localTransactionId?: number;
  /**
   * The charger's request as read into the model when the CALL was made, kept by translation for the answer and the
   * reducer of the same message (docs/architecture.md#the-pivot).
   */
  reading?: { request: unknown; model: unknown };
}

/**
 * xs:dateTime from a charger -> RFC 3339 UTC, as 1.6 requires ("format": "date-time" needs an offset,
 * docs/translation.md#common-rules).
 * A zone-less value is read in the charger's configured zone.
 */
export function toUtc(value: string, timezone: string): string {
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  const ms = Date.parse(hasZone ? value : `${value}${timezone}`);
  if (Number.isNaN(ms)) throw new TranslationError(`'${value}' is not a valid dateTime`);
  return new Date(ms).toISOString();
}

/** 1.6 dateTime -> 1.5 xs:dateTime in UTC. */
export function fromCsmsTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
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
