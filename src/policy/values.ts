/** Typed literals (XML Schema datatypes) used as right operands, parsed strictly once, on write. */

export type ValueType =
  'dateTime' | 'date' | 'duration' | 'decimal' | 'integer' | 'string' | 'iri' | 'boolean';

export interface Duration {
  /** Years and months, as months (calendar arithmetic). */
  months: number;
  /** Days, hours, minutes and seconds, in milliseconds. */
  ms: number;
  negative: boolean;
}

/**
 * A parsed value. `key` is what comparisons use: a number for numbers and instants (epoch ms; a date is
 * its first instant), the text for strings and IRIs, a boolean for booleans. A date also carries
 * `end`, the first instant of the next day, so `dateTime lteq 2026-12-31` includes that whole day.
 */
export interface Typed {
  type: ValueType;
  text: string;
  key: number | string | boolean;
  end?: number;
  duration?: Duration;
}

type Parsed = Typed | { error: string };

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
const DURATION = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const IRI = /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>"{}|\\^`]+$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetMs(tz: string | undefined): number | { error: string } {
  if (!tz || tz === 'Z') return 0;
  const h = Number(tz.slice(1, 3));
  const m = Number(tz.slice(4, 6));
  if (h > 14 || m > 59 || (h === 14 && m > 0)) return { error: `time zone '${tz}' is out of range` };
  return (tz[0] === '-' ? -1 : 1) * (h * 60 + m) * 60_000;
}

function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, mi, s, ms);
  return d.getTime();
}

/** xsd:dateTime. Seconds may be left out (DSP examples write "2023-12-31T06:00Z"); no zone means UTC. */
export function parseDateTime(text: string): Parsed {
  const m = DATE_TIME.exec(text);
  if (!m) return { error: `'${text}' is not an xsd:dateTime (expected e.g. 2026-12-31T23:59:59Z)` };
  const [year, month, day, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const s = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12) return { error: `'${text}': month ${m[2]} does not exist` };
  if (day < 1 || day > daysIn(year, month))
    return { error: `'${text}': day ${m[3]} does not exist in that month` };
  if (h > 23 || mi > 59 || s > 59) return { error: `'${text}': time of day is out of range` };
  const off = offsetMs(m[8]);
  if (typeof off !== 'number') return { error: `'${text}': ${off.error}` };
  const frac = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  return { type: 'dateTime', text, key: utc(year, month, day, h, mi, s, frac) - off };
}

/** xsd:date, as the interval of that day (UTC unless a zone is given). */
export function parseDate(text: string): Parsed {
  const m = DATE.exec(text);
  if (!m) return { error: `'${text}' is not an xsd:date (expected e.g. 2026-12-31)` };
  const [year, month, day] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (month < 1 || month > 12) return { error: `'${text}': month ${m[2]} does not exist` };
  if (day < 1 || day > daysIn(year, month))
    return { error: `'${text}': day ${m[3]} does not exist in that month` };
  const off = offsetMs(m[4]);
  if (typeof off !== 'number') return { error: `'${text}': ${off.error}` };
  const start = utc(year, month, day) - off;
  return { type: 'date', text, key: start, end: start + 86_400_000 };
}

export function parseDuration(text: string): Parsed {
  const m = DURATION.exec(text);
  if (!m || text.endsWith('T') || text === 'P' || text === '-P') {
    const hint = /^P\d+W$/.test(text)
      ? `; weeks are not allowed in xsd:duration, write P${Number(text.slice(1, -1)) * 7}D`
      : '';
    return { error: `'${text}' is not an xsd:duration (expected e.g. P30D or PT12H)${hint}` };
  }
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0);
  const months = n(2) * 12 + n(3);
  const ms = ((n(4) * 24 + n(5)) * 60 + n(6)) * 60_000 + Math.round(n(7) * 1000);
  return { type: 'duration', text, key: text, duration: { months, ms, negative: m[1] === '-' } };
}

export function parseInteger(text: string): Parsed {
  if (!INTEGER.test(text)) return { error: `'${text}' is not an xsd:integer` };
  const n = Number(text);
  if (!Number.isSafeInteger(n)) return { error: `'${text}' is too large for an integer here` };
  return { type: 'integer', text, key: n };
}

export function parseDecimal(text: string): Parsed {
  if (!DECIMAL.test(text)) return { error: `'${text}' is not an xsd:decimal` };
  return { type: 'decimal', text, key: Number(text) };
}

export function parseIri(text: string): Parsed {
  if (!IRI.test(text)) return { error: `'${text}' is not an absolute IRI` };
  return { type: 'iri', text, key: text };
}

export function parseBoolean(text: string): Parsed {
  if (text === 'true' || text === '1') return { type: 'boolean', text, key: true };
  if (text === 'false' || text === '0') return { type: 'boolean', text, key: false };
  return { error: `'${text}' is not an xsd:boolean` };
}

export function parseAs(type: ValueType, text: string): Parsed {
  switch (type) {
    case 'dateTime':
      return parseDateTime(text);
    case 'date':
      return parseDate(text);
    case 'duration':
      return parseDuration(text);
    case 'integer':
      return parseInteger(text);
    case 'decimal':
      return parseDecimal(text);
    case 'iri':
      return parseIri(text);
    case 'boolean':
      return parseBoolean(text);
    case 'string':
      return { type: 'string', text, key: text };
  }
}

/** xsd datatype local names accepted in @type / dataType, mapped to value types. */
export const XSD_TYPES: Readonly<Record<string, ValueType>> = {
  dateTime: 'dateTime',
  dateTimeStamp: 'dateTime',
  date: 'date',
  duration: 'duration',
  dayTimeDuration: 'duration',
  yearMonthDuration: 'duration',
  decimal: 'decimal',
  double: 'decimal',
  float: 'decimal',
  integer: 'integer',
  int: 'integer',
  long: 'integer',
  nonNegativeInteger: 'integer',
  positiveInteger: 'integer',
  string: 'string',
  anyURI: 'iri',
  boolean: 'boolean',
};

/** Adds a duration to an instant with calendar arithmetic for years and months. */
export function addDuration(fromMs: number, d: Duration): number {
  const sign = d.negative ? -1 : 1;
  let t = fromMs;
  if (d.months) {
    const x = new Date(fromMs);
    x.setUTCMonth(x.getUTCMonth() + sign * d.months);
    t = x.getTime();
  }
  return t + sign * d.ms;
}

/** A compact human duration for traces, e.g. "12d 3h" or "45min". */
export function formatElapsed(ms: number): string {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const mi = Math.floor(s / 60);
  s -= mi * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (mi && !d) parts.push(`${mi}min`);
  if (!parts.length) parts.push(`${s}s`);
  return (neg ? '-' : '') + parts.join(' ');
}
