/**
 * Recent messages per charger, SOAP beside the OCPP-J it became (issue 6). Kept in this instance's memory, bounded:
 * `perCharger` records for each of the `chargers` most recently active chargers. IdTags are masked when configured;
 * the AuthorizationKey value and Basic-auth material are always masked.
 */

export interface TraceRecord {
  /** The job id (charger -> CSMS) or the OCPP-J message id (CSMS -> charger). */
  id: string;
  at: string;
  direction: 'charger_to_csms' | 'csms_to_charger';
  action?: string;
  soapRequest?: string;
  soapResponse?: string;
  httpStatus?: number;
  ocppCall?: string;
  ocppResult?: string;
  outcome?: string;
}

export interface TraceOptions {
  perCharger: number;
  chargers: number;
  maskIdTags: boolean;
}

const ID_TAG_XML = /(<(?:[\w.-]+:)?(?:idTag|parentIdTag)(?:\s[^>]*)?>)([^<]*)(<\/)/g;
const ID_TAG_JSON = /("(?:idTag|parentIdTag)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g;
const AUTHORIZATION_KEY_JSON = /("key"\s*:\s*"AuthorizationKey"\s*,\s*"value"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;

/** `RFID-00012345` -> `*********2345`: enough to tell cards apart, not enough to clone one. */
function maskValue(value: string): string {
  return value.length <= 4 ? '*'.repeat(value.length) : `${'*'.repeat(value.length - 4)}${value.slice(-4)}`;
}

export function maskTrace(text: string, maskIdTags: boolean): string {
  let out = text.replace(AUTHORIZATION_KEY_JSON, (_m, a: string, _v: string, b: string) => `${a}[redacted]${b}`);
  if (maskIdTags) {
    out = out.replace(ID_TAG_XML, (_m, a: string, v: string, b: string) => `${a}${maskValue(v)}${b}`);
    out = out.replace(ID_TAG_JSON, (_m, a: string, v: string, b: string) => `${a}${maskValue(v)}${b}`);
  }
  return out;
}

/**
 * What the hot path stores: references only. The OCPP-J payloads stay objects and the time a number until someone
 * reads the trace (issue 5 profile: serialising every payload a second time cost more than the trace is worth).
 */
type StoredRecord = Omit<TraceRecord, 'at' | 'ocppCall' | 'ocppResult'> & { at: number; ocppCall?: unknown; ocppResult?: unknown };
export type TracePart = Partial<Omit<StoredRecord, 'id' | 'at'>> & Pick<TraceRecord, 'direction'>;

const asJson = (value: unknown): string | undefined => (value === undefined || typeof value === 'string' ? value : JSON.stringify(value));

export class MessageTrace {
  /**
   * Map order is recency order: a charger moves to the end when it is active. A charger's records are keyed by id in
   * insertion order, so completing a record and dropping the oldest are both O(1) (issue 5 profile: a linear search
   * of the records on every message was the largest cost of the gateway's own code).
   */
  private readonly byCharger = new Map<string, Map<string, StoredRecord>>();
  /** The charger that is already last in `byCharger` (no need to move it again). */
  private newest: string | undefined;

  constructor(private readonly options: TraceOptions) {}

  /** Adds to (or completes) the record `id` of a charger. */
  record(identity: string, id: string, part: TracePart): void {
    let records = this.byCharger.get(identity);
    if (identity !== this.newest || !records) {
      if (records) this.byCharger.delete(identity);
      else records = new Map();
      this.byCharger.set(identity, records);
      this.newest = identity;
      if (this.byCharger.size > this.options.chargers) this.byCharger.delete(this.byCharger.keys().next().value!);
    }
    const record = records.get(id);
    if (record) Object.assign(record, part);
    else {
      records.set(id, { id, at: Date.now(), ...part });
      if (records.size > this.options.perCharger) records.delete(records.keys().next().value!);
    }
  }

  /**
   * The newest records first, masked. Masking happens here, when someone reads the trace, not on every message:
   * the hot path only keeps references (issue 5); unmasked text never leaves this object.
   */
  recent(identity: string, limit = this.options.perCharger): TraceRecord[] {
    return [...(this.byCharger.get(identity)?.values() ?? [])]
      .slice(-limit)
      .reverse()
      .map((stored) => {
        const masked: TraceRecord = { ...stored, at: new Date(stored.at).toISOString(), ocppCall: asJson(stored.ocppCall), ocppResult: asJson(stored.ocppResult) };
        if (masked.ocppCall === undefined) delete masked.ocppCall;
        if (masked.ocppResult === undefined) delete masked.ocppResult;
        for (const key of ['soapRequest', 'soapResponse', 'ocppCall', 'ocppResult'] as const) {
          if (masked[key] !== undefined) masked[key] = maskTrace(masked[key]!, this.options.maskIdTags);
        }
        return masked;
      });
  }

}
