/**
 * The fleet API's figures (bench/README.md, "The fleet API on and off"): what a gateway with the API on costs beside
 * one with it off, and what its records take in the store. Pure: the measures are in bench/fleet-api.ts and
 * bench/fleet-records.ts; this computes the figures from what they read and lays out the table's rows.
 */
import type { InstructionCount } from './instructions.js';
import { check, median } from './stats.js';

/** The target: with the API on the bridged throughput drops by no more than this share. */
export const FLEET_API_TARGET = 0.05;

/** Throughput of two gateways of one mode, the API off and on, in alternating closed-loop rounds. */
export interface FleetApiThroughput {
  mode: string;
  rounds: { off: number[]; on: number[]; ratio: number[] };
  off: number;
  on: number;
  /** Median of the rounds' on / off ratios. */
  ratio: number;
}

export function throughputOf(mode: string, off: number[], on: number[]): FleetApiThroughput {
  if (off.length !== on.length || off.length === 0) throw new Error('the API off and on need the same rounds');
  const ratio = on.map((x, i) => x / off[i]!);
  return { mode, rounds: { off, on, ratio }, off: median(off), on: median(on), ratio: median(ratio) };
}

/**
 * Instructions per message of two gateways side by side, one with the API off, one with it on: the pair with the
 * median change of `changes` when a first pair near the target was counted twice more (bench/fleet-api.ts).
 */
export interface CountPair {
  off: InstructionCount;
  on: InstructionCount;
  /** Every pair's change (on over off, minus 1), in the order counted; one when the first was not near the target. */
  changes?: number[];
}

/**
 * What the API adds to a message, in instructions and as a share of the message with the API off, the work on timers
 * left out (bench/instructions.ts: a gateway that runs longer under callgrind counts more of it per message).
 */
export function addedByApi(pair: CountPair): { instructions: number; share: number } {
  const instructions = pair.on.withoutTimersPerMessage - pair.off.withoutTimersPerMessage;
  return { instructions, share: instructions / pair.off.withoutTimersPerMessage };
}

/**
 * The fleet records' size at three points of one store: `before` the sessions, after `sessions` sessions of `few`
 * samples each, and after as many again of `many` samples each (bytes, however the store counts them).
 */
export interface RecordSizes {
  before: number;
  afterFew: number;
  afterMany: number;
}

export interface RecordCost {
  /** Bytes per session of `many` samples, all included. */
  perSession: number;
  /** Bytes per meter sample: the difference between the two batches per sample more. */
  perSample: number;
  /** What a session costs besides its samples (its facts, the stop reading, the store's own overhead). */
  fixedPerSession: number;
}

/**
 * Bytes per session and per sample from two batches of equally many sessions that differ only in their samples per
 * session: the difference between the batches is the samples' alone.
 */
export function recordCost(sizes: RecordSizes, sessions: number, few: number, many: number): RecordCost {
  if (sessions <= 0 || many <= few) throw new Error('two batches of sessions, the second with more samples each');
  const fewEach = (sizes.afterFew - sizes.before) / sessions;
  const manyEach = (sizes.afterMany - sizes.afterFew) / sessions;
  const perSample = (manyEach - fewEach) / (many - few);
  return { perSession: manyEach, perSample, fixedPerSession: fewEach - few * perSample };
}

/** The record measure of one store: its batches, its sizes in the store's own measure and in record payload. */
export interface RecordBytes {
  store: string;
  sessions: number;
  few: number;
  many: number;
  /** Embedded: pages in use (page size x pages not on the free list); Redis: MEMORY USAGE of the fleet's keys. */
  sizes: RecordSizes;
  cost: RecordCost;
  /** The records' keys and values in bytes (the JSON text), whatever the store adds around them. */
  payload: RecordSizes;
  payloadCost: RecordCost;
}

/** Everything the fleet API's measures found; each part is absent when it was not measured in this run. */
export interface FleetApiResults {
  throughput: FleetApiThroughput[];
  /** The charger's day (bench/envelopes.ts) by mode, and MeterValues only (embedded). */
  counts: Record<string, CountPair>;
  records: RecordBytes[];
}

const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
const signedPct = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)}%`;
const target = `<= ${FLEET_API_TARGET * 100}%`;

/** One pair of windows (`--quick`) is not judged: the instruction counts stand in for it (bench/README.md). */
function throughputRow(t: FleetApiThroughput): string[] {
  const judged = t.rounds.ratio.length > 1;
  const rounds = judged
    ? `; rounds ${t.rounds.ratio.map((x) => x.toFixed(2)).join(', ')}`
    : '; one round: see the counts';
  return [
    `fleet API on, ${t.mode}: throughput`,
    `${t.on.toFixed(0)} msg/s`,
    `${t.ratio.toFixed(2)} x the API off (${t.off.toFixed(0)} msg/s)${rounds}`,
    `drop ${target}`,
    judged ? check(1 - t.ratio <= FLEET_API_TARGET) : '',
  ];
}

const pairsNote = (pair: CountPair) =>
  pair.changes && pair.changes.length > 1
    ? ` (the median of ${pair.changes.length} pairs: ${pair.changes.map(signedPct).join(', ')})`
    : '';

function countRow(traffic: string, pair: CountPair): string[] {
  const added = addedByApi(pair);
  const errors = pair.on.errors + pair.off.errors;
  return [
    `fleet API on, ${traffic}: instructions per message`,
    `${signedPct(added.share)} (${added.instructions >= 0 ? '+' : ''}${k(added.instructions)})`,
    `${k(pair.on.withoutTimersPerMessage)} on / ${k(pair.off.withoutTimersPerMessage)} off without timer work ` +
      `(${k(pair.on.perMessage)} / ${k(pair.off.perMessage)} with it), counted side by side${pairsNote(pair)}; full collections in the counts ` +
      `${k(pair.on.fullCollectionsPerMessage)} / ${k(pair.off.fullCollectionsPerMessage)}, left out; ${errors} errors${errors ? ' (not valid)' : ''}`,
    target,
    errors ? '' : check(added.share <= FLEET_API_TARGET),
  ];
}

function recordRow(r: RecordBytes): string[] {
  const b = (n: number) => `${n.toFixed(0)} B`;
  return [
    `fleet records, ${r.store}: bytes per session / per sample`,
    `${b(r.cost.perSession)} / ${b(r.cost.perSample)}`,
    `${r.sessions} sessions of ${r.many} samples against ${r.sessions} of ${r.few}; fixed ${b(r.cost.fixedPerSession)} per session; ` +
      `JSON payload ${b(r.payloadCost.perSession)} per session, ${b(r.payloadCost.perSample)} per sample`,
    'diagnostic',
    '',
  ];
}

/** The table's rows of the fleet API (bench/README.md, "Reading the table"). */
export function fleetApiRows(results: FleetApiResults): string[][] {
  return [
    ...results.throughput.map(throughputRow),
    ...Object.entries(results.counts).map(([traffic, pair]) => countRow(traffic, pair)),
    ...results.records.map(recordRow),
  ];
}
