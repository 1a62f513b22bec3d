import type { WireTexts } from '../upstream/frames.js';
import { TextRing } from './text-ring.js';

/**
 * Recent messages per charger, SOAP beside the OCPP-J it became. Kept in this instance's memory, bounded:
 * `perCharger` records for each of the `chargers` most recently active chargers, and `bufferBytes` of message text
 * over all of them. IdTags are masked when configured; the AuthorizationKey value and Basic-auth material are always
 * masked.
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
  /** Bytes of message text kept (SOAP envelopes and OCPP-J payloads), over all chargers. */
  bufferBytes: number;
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
 * What a caller records: texts as strings, OCPP-J payloads as objects (serialised when recorded). With `wire` (the
 * texts the payloads crossed the wire as, bridge/message-run.ts), a payload that is the one sent or received is kept
 * as that text instead of being serialised again.
 */
export type TracePart = Partial<Omit<TraceRecord, 'id' | 'at' | 'ocppCall' | 'ocppResult'>> &
  Pick<TraceRecord, 'direction'> & { ocppCall?: unknown; ocppResult?: unknown; wire?: WireTexts };

/** The record's texts, as handles into the trace's TextRing. */
const TEXT_FIELDS = ['soapRequest', 'soapResponse', 'ocppCall', 'ocppResult'] as const;

const serialised = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The payload of a CALLRESULT frame (`[3, id, payload]`) as `JSON.stringify` writes it: the same text as a payload
 * serialised when recorded. A frame the ring had to cut is no longer JSON; it is shown as it is.
 */
function payloadOfResult(frame: string): string {
  try {
    return JSON.stringify((JSON.parse(frame) as unknown[])[2]);
  } catch {
    return frame;
  }
}

/** Shown instead of a text that newer messages have pushed out of the trace buffer. */
export const TEXT_OVERWRITTEN = '(no longer in the trace buffer: newer messages took its place; see TRACE_BUFFER_MIB)';

/** No text: a handle is never negative. */
const NONE = -1;

/**
 * What the hot path stores: the record's small fields, and a handle per text in the trace's TextRing. Masking waits
 * until someone reads the trace. Every field exists from the start, so that a slot is reused in place.
 */
class StoredRecord {
  id = '';
  at = 0;
  direction: TraceRecord['direction'] = 'charger_to_csms';
  action: string | undefined = undefined;
  httpStatus: number | undefined = undefined;
  outcome: string | undefined = undefined;
  soapRequest = NONE;
  soapResponse = NONE;
  ocppCall = NONE;
  ocppResult = NONE;
  /** `ocppResult` is a whole CALLRESULT frame as received: its payload is shown. */
  resultIsFrame = false;

  reset(id: string, at: number): void {
    this.id = id;
    this.at = at;
    this.action = this.httpStatus = this.outcome = undefined;
    this.soapRequest = this.soapResponse = this.ocppCall = this.ocppResult = NONE;
    this.resultIsFrame = false;
  }
}

/** One charger's newest records: a ring of at most `perCharger` slots, reused once full. */
class ChargerRecords {
  private readonly slots: StoredRecord[] = [];
  /** The slot the next new record takes once the ring is full. */
  private next = 0;

  constructor(
    /** The key this charger is stored under (kept, so that moving it does not keep each message's copy). */
    readonly identity: string,
    private readonly size: number,
  ) {}

  get count(): number {
    return this.slots.length;
  }

  /** The `k`-th newest record (0: the newest), for k < count. */
  nth(k: number): StoredRecord {
    const n = this.slots.length;
    const newest = n < this.size ? n - 1 : (this.next + n - 1) % n;
    return this.slots[(newest - k + n) % n]!;
  }

  /** The record `id` if still kept: searched from the newest, where the record being completed almost always is. */
  find(id: string): StoredRecord | undefined {
    for (let k = 0; k < this.slots.length; k++) {
      const record = this.nth(k);
      if (record.id === id) return record;
    }
    return undefined;
  }

  add(id: string, at: number): StoredRecord {
    let record: StoredRecord;
    if (this.slots.length < this.size) this.slots.push((record = new StoredRecord()));
    else {
      record = this.slots[this.next]!;
      this.next = (this.next + 1) % this.size;
    }
    record.reset(id, at);
    return record;
  }
}

/**
 * Why the trace is built this way (bench/README.md, heap profiles): a record lives much longer than a young-generation
 * collection, so whatever a message leaves in the trace is promoted to the old generation and, once dropped, is old
 * garbage that only a full mark-compact reclaims. Each of those stalled the gateway 30-50 ms on the 2-core machine,
 * which was the p99 at half load. The texts therefore go to a TextRing outside the heap, the records are slots reused
 * in place, and a charger keeps its first key string; what a message still leaves behind is its id.
 */
export class MessageTrace {
  /** Map order is recency order: a charger moves to the end when it is active. */
  private readonly byCharger = new Map<string, ChargerRecords>();
  /** The charger that is already last in `byCharger` (no need to move it again). */
  private newest: ChargerRecords | undefined;
  private readonly texts: TextRing;

  constructor(private readonly options: TraceOptions) {
    this.texts = new TextRing(options.bufferBytes);
  }

  /** Bytes of the text buffer written so far: resident, up to `bufferBytes` (TextRing.touchedBytes). */
  get bufferTouchedBytes(): number {
    return this.texts.touchedBytes;
  }

  /** Adds to (or completes) the record `id` of a charger. */
  record(identity: string, id: string, part: TracePart): void {
    let charger = this.newest;
    if (charger?.identity !== identity) {
      charger = this.byCharger.get(identity);
      if (charger) this.byCharger.delete(charger.identity);
      else charger = new ChargerRecords(identity, this.options.perCharger);
      this.byCharger.set(charger.identity, charger);
      this.newest = charger;
      if (this.byCharger.size > this.options.chargers) this.byCharger.delete(this.byCharger.keys().next().value!);
    }
    const record = charger.find(id) ?? charger.add(id, Date.now());
    record.direction = part.direction;
    if (part.action !== undefined) record.action = part.action;
    if (part.httpStatus !== undefined) record.httpStatus = part.httpStatus;
    if (part.outcome !== undefined) record.outcome = part.outcome;
    // Field by field rather than in a loop over the names: each access stays monomorphic on the hot path.
    if (part.soapRequest !== undefined) record.soapRequest = this.texts.put(part.soapRequest);
    if (part.soapResponse !== undefined) record.soapResponse = this.texts.put(part.soapResponse);
    const { ocppCall, ocppResult, wire } = part;
    if (ocppCall !== undefined)
      record.ocppCall = this.texts.put(
        wire?.sentJson !== undefined && wire.sent === ocppCall ? wire.sentJson : serialised(ocppCall),
      );
    if (ocppResult !== undefined) {
      const frame = wire?.receivedFrame !== undefined && wire.received === ocppResult;
      record.ocppResult = this.texts.put(frame ? wire.receivedFrame! : serialised(ocppResult));
      record.resultIsFrame = frame;
    }
  }

  /**
   * The newest records first, masked. Masking happens here, when someone reads the trace, not on every message:
   * the hot path only copies bytes; unmasked text never leaves this object.
   */
  recent(identity: string, limit = this.options.perCharger): TraceRecord[] {
    const out: TraceRecord[] = [];
    const charger = this.byCharger.get(identity);
    if (!charger) return out;
    for (let k = 0; k < Math.min(limit, charger.count); k++) {
      const stored = charger.nth(k);
      const record: TraceRecord = { id: stored.id, at: new Date(stored.at).toISOString(), direction: stored.direction };
      if (stored.action !== undefined) record.action = stored.action;
      for (const field of TEXT_FIELDS) {
        const handle = stored[field];
        if (handle === NONE) continue;
        let text = this.texts.get(handle);
        if (text !== undefined && field === 'ocppResult' && stored.resultIsFrame) text = payloadOfResult(text);
        record[field] = text === undefined ? TEXT_OVERWRITTEN : maskTrace(text, this.options.maskIdTags);
      }
      if (stored.httpStatus !== undefined) record.httpStatus = stored.httpStatus;
      if (stored.outcome !== undefined) record.outcome = stored.outcome;
      out.push(record);
    }
    return out;
  }
}
