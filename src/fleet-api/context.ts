import type { FleetApiConfig } from '../config/fleet-api.js';
import type { XmlElement } from '../soap/xml.js';
import type { FleetRecords } from './records.js';
import type { Reservations } from './reservations.js';
import type { Shedder } from './shed.js';
import { byName, textOf } from './request.js';
import type { Station } from './stations.js';
import { type Field, answer } from './wire.js';

export type ApiVersion = '4.1' | '5.0' | '5.1';

/** What a method sees: the caller's key, the path's version, the request, and the caller's stations only. */
export interface MethodContext {
  version: ApiVersion;
  key: FleetApiConfig['keys'][number];
  fleet: FleetApiConfig;
  body: XmlElement;
  now: number;
  /** The stations of the groups granted to the key. */
  stations(): Promise<Station[]>;
  records: FleetRecords;
  shedder: Shedder;
  reservations: Reservations;
}

export type Method = (ctx: MethodContext) => Promise<Field[]> | Field[];

/** A guide response code as an early answer from deep inside a method. */
export class ApiAnswer extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
  get fields(): Field[] {
    return answer(this.code, this.text);
  }
}

/** 5.x wraps request fields in searchQuery; 4.1 puts most of them directly under the operation: read either. */
export function queryOf(ctx: MethodContext): XmlElement {
  return byName(ctx.body, 'searchQuery') ?? ctx.body;
}

export const isV5 = (ctx: MethodContext): boolean => ctx.version !== '4.1';

export function invalid(name: string): ApiAnswer {
  return new ApiAnswer(171, `Invalid Parameters ${name}`);
}

export function mandatory(name: string): ApiAnswer {
  return new ApiAnswer(172, `Please provide all the mandatory fields to make this call (${name})`);
}

/** A positive integer field, or undefined when absent/empty; anything else is 171. */
export function positiveInt(el: XmlElement, name: string): number | undefined {
  const text = textOf(el, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw invalid(name);
  return Number(text);
}

/** An xsd:dateTime field as epoch ms, or undefined; anything unparsable is 141 "Invalid dates". */
export function dateField(el: XmlElement, name: string): number | undefined {
  const text = textOf(el, name);
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ApiAnswer(141, `Invalid dates (${name})`);
  return ms;
}

/** The guide's station id: `<digits>:<digits>`; anything else is 152. */
export function stationIdField(el: XmlElement, name = 'stationID'): string | undefined {
  const text = textOf(el, name);
  if (text !== undefined && !/^\d+:\d+$/.test(text)) throw new ApiAnswer(152, 'StationId is not in correct format');
  return text;
}

/** One page of the guide's paging: `startRecord` is the 1-based ordinal of the first record returned. */
export function page<T>(
  items: T[],
  startRecord: number | undefined,
  size: number,
): { items: T[]; first: number; more: boolean } {
  const first = startRecord ?? 1;
  return { items: items.slice(first - 1, first - 1 + size), first, more: items.length > first - 1 + size };
}
