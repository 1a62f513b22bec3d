/**
 * `Date.prototype.toISOString` for the times a gateway sees, at a fraction of its cost: V8 formats every date through
 * a printf, several thousand instructions, and a charger message needs several of them
 * (docs/architecture.md#design-choices). The day's part is V8's own, remembered for the last day asked; the time of
 * day is arithmetic. Times before 1970 or after 9999 (never a charger's) go to V8 as they are.
 */
const DAY_MS = 86_400_000;
const END_OF_9999 = 253_402_300_800_000;

let lastDay = Number.NaN;
let lastDayText = '';

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The ISO 8601 UTC text of a time in milliseconds since the epoch, exactly as `new Date(ms).toISOString()`. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < END_OF_9999)) return new Date(ms).toISOString();
  const whole = Math.trunc(ms);
  const day = Math.floor(whole / DAY_MS);
  if (day !== lastDay) {
    lastDayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
    lastDay = day;
  }
  let rest = whole - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${lastDayText}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`;
}
