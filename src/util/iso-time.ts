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

/**
 * The two seconds formatted last, the more recent first: a gateway formats the present second (a message's arrival)
 * between times its chargers send, which are mostly one other second, so each message would otherwise format both.
 */
let recentSecond = Number.NaN;
let recentText = '';
let olderSecond = Number.NaN;
let olderText = '';

/** The ISO 8601 UTC text of a time in milliseconds since the epoch, exactly as `new Date(ms).toISOString()`. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < END_OF_9999)) return new Date(ms).toISOString();
  const whole = Math.trunc(ms);
  const second = Math.floor(whole / 1000);
  if (second !== recentSecond) {
    const text = second === olderSecond ? olderText : secondText(second);
    olderSecond = recentSecond;
    olderText = recentText;
    recentSecond = second;
    recentText = text;
  }
  return `${recentText}${three(whole - second * 1000)}Z`;
}

/** `YYYY-MM-DDTHH:MM:SS.` of a second since the epoch. */
function secondText(second: number): string {
  const day = Math.floor(second / 86_400);
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
  let rest = second - day * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  return `${year}-${two(month)}-${two(date)}T${two(hours)}:${two(minutes)}:${two(rest - minutes * 60)}.`;
}

const ZERO = 48;
/** The number written by `count` ASCII digits at `at`, or -1 if one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to the first of a month (proleptic Gregorian; the inverse of isoTime's arithmetic). */
function daysToMonth(year: number, month: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5);
  return (
    era * DAYS_PER_ERA +
    yearOfEra * 365 +
    Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100) +
    dayOfYear -
    EPOCH_SHIFT
  );
}

/**
 * `Date.parse` for the times chargers and the CSMS write, at a fraction of its cost (V8 tokenises every text in C++):
 * `YYYY-MM-DDTHH:MM:SS`, an optional fraction, and `Z` or an offset `±HH:MM`. Any other text, and values V8 reads in
 * its own way (hour 24, a fraction without digits), go to `Date.parse` as they are, so the result is always what it
 * would return. Like V8, a day past the end of its month runs into the next (2024-02-30 is 1 March).
 */
export function parseIsoTime(text: string): number {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) {
    return Date.parse(text);
  }
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return Date.parse(text);
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hours = digitsAt(text, 11, 2);
  const minutes = digitsAt(text, 14, 2);
  const seconds = digitsAt(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hours < 0 || hours > 23) return Date.parse(text);
  if (minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) return Date.parse(text);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let scale = 100;
    for (at++; at < n; at++) {
      const d = text.charCodeAt(at) - ZERO;
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
    }
    if (at === 20) return Date.parse(text);
    ms = Math.floor(ms);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 90 && at === n - 1) offsetMinutes = 0;
  else if ((zone === 43 || zone === 45) && at === n - 6 && text.charCodeAt(at + 3) === 58) {
    const h = digitsAt(text, at + 1, 2);
    const m = digitsAt(text, at + 4, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59) return Date.parse(text);
    offsetMinutes = (zone === 43 ? 1 : -1) * (h * 60 + m);
  } else return Date.parse(text);
  const days = daysToMonth(year, month) + day - 1;
  return days * DAY_MS + ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 + ms;
}

/** Whether a time names its zone: `Z` or `±HH:MM` at its end (an xs:dateTime without one is local time). */
export function hasZone(value: string): boolean {
  const n = value.length;
  if (value.charCodeAt(n - 1) === 90) return true;
  const sign = value.charCodeAt(n - 6);
  return (
    (sign === 43 || sign === 45) &&
    value.charCodeAt(n - 3) === 58 &&
    digitsAt(value, n - 5, 2) >= 0 &&
    digitsAt(value, n - 2, 2) >= 0
  );
}

/** An xs:dateTime, which may name no zone: read in `zone` (`Z` or `±HH:MM`) then; parseIsoTime's result. */
export function parseIsoTimeIn(text: string, zone: string): number {
  return parseIsoTime(hasZone(text) ? text : `${text}${zone}`);
}
