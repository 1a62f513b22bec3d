/**
 * `Date.prototype.toISOString` for the times a gateway sees, at a fraction of its cost: V8 formats every date through
 * a printf, several thousand instructions, and a charger message needs several of them
 * (docs/architecture.md#design-choices). The calendar date is computed from the day number with the days-to-civil
 * arithmetic of the proleptic Gregorian calendar (eras of 400 years, years starting in March so that the leap day
 * comes last). Times before 1970 or after 9999 (never a charger's) go to V8 as they are.
 */
const DAY_MS = 86_400_000;
const END_OF_9999 = 253_402_300_800_000;
/** Days from 0000-03-01 to 1970-01-01. */
const EPOCH_SHIFT = 719_468;
const DAYS_PER_ERA = 146_097;

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The ISO 8601 UTC text of a time in milliseconds since the epoch, exactly as `new Date(ms).toISOString()`. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < END_OF_9999)) return new Date(ms).toISOString();
  const whole = Math.trunc(ms);
  const day = Math.floor(whole / DAY_MS);
  const shifted = day + EPOCH_SHIFT;
  const era = Math.floor(shifted / DAYS_PER_ERA);
  const dayOfEra = shifted - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const date = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  let rest = whole - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return (
    `${year}-${two(month)}-${two(date)}T` +
    `${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`
  );
}
