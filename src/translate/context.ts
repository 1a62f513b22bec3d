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
