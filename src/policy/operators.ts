/**
 * Operators compiled into comparison closures, once per constraint. At run time a comparison takes
 * the left value (shaped by the operand's kind) and `now`, and allocates nothing for scalars.
 */
import type { LeftKind } from './operands.js';
import { within } from './operands.js';
import type { Operator } from './vocab.js';
import type { Typed, ValueType } from './values.js';
import { addDuration, parseDate, parseDateTime, parseDuration } from './values.js';

export type Comparator = (left: unknown, nowMs: number) => boolean;

export const ORDERED_TYPES: ReadonlySet<ValueType> = new Set([
  'dateTime',
  'date',
  'duration',
  'decimal',
  'integer',
]);
const ORDERING: ReadonlySet<Operator> = new Set(['lt', 'lteq', 'gt', 'gteq']);
export const SET_OPERATORS: ReadonlySet<Operator> = new Set([
  'hasPart',
  'isPartOf',
  'isAllOf',
  'isAnyOf',
  'isNoneOf',
]);

/** Which operator/type pairs make sense; the message is shown on write when they do not. */
export function operatorTypeProblem(op: Operator, type: ValueType, listLength: number): string | undefined {
  if (ORDERING.has(op) && !ORDERED_TYPES.has(type)) {
    return `${op} needs an ordered right operand (xsd:dateTime, date, duration, decimal or integer), not ${type === 'iri' ? 'an IRI' : 'xsd:' + type}`;
  }
  if (op === 'isA' && type !== 'string' && type !== 'iri')
    return `isA needs a class name or IRI, not xsd:${type}`;
  if (!SET_OPERATORS.has(op) && listLength !== 1) {
    return `${op} takes exactly one right operand value; for a list use isAnyOf, isNoneOf or isAllOf`;
  }
  if (SET_OPERATORS.has(op) && listLength < 1) return `${op} needs at least one value`;
  return undefined;
}

/** Left value coerced to the right operand's type (for claims, which are plain JSON). */
function coerce(x: unknown, r: Typed, nowMs: number): number | string | boolean | undefined {
  switch (r.type) {
    case 'integer':
    case 'decimal':
      if (typeof x === 'number') return x;
      if (typeof x === 'string' && /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(x)) return Number(x);
      return undefined;
    case 'dateTime':
    case 'date': {
      if (typeof x !== 'string') return undefined;
      const p = x.includes('T') ? parseDateTime(x) : parseDate(x);
      return 'error' in p ? undefined : (p.key as number);
    }
    case 'duration': {
      if (typeof x !== 'string') return undefined;
      const p = parseDuration(x);
      return 'error' in p ? undefined : addDuration(nowMs, p.duration!);
    }
    case 'string':
    case 'iri':
      return typeof x === 'string' ? x : undefined;
    case 'boolean':
      if (typeof x === 'boolean') return x;
      if (x === 'true' || x === 'false') return x === 'true';
      return undefined;
  }
}

/** Equality of one left scalar with one right value, under the operand's meaning. */
function matcher(kind: LeftKind, r: Typed): Comparator {
  switch (kind) {
    case 'area': {
      const area = r.key as string;
      return (x) => within(x as string, area);
    }
    case 'time':
      if (r.type === 'date') {
        const s = r.key as number;
        const e = r.end!;
        return (x) => (x as number) >= s && (x as number) < e;
      }
      return (x) => x === r.key;
    case 'elapsed': {
      const d = r.duration!;
      return (x, now) => now === addDuration(x as number, d);
    }
    case 'claim':
      if (r.type === 'date') {
        return (x, now) => {
          const v = coerce(x, r, now);
          return typeof v === 'number' && v >= (r.key as number) && v < r.end!;
        };
      }
      if (r.type === 'duration') {
        const d = r.duration!;
        return (x, now) => coerce(x, r, now) === addDuration(now, d);
      }
      return (x, now) => coerce(x, r, now) === r.key;
    default: {
      const k = r.key;
      return (x) => x === k;
    }
  }
}

/**
 * Ordering: the left value as a number, and the right as a closed point or a half-open day [s, e).
 * elapsedTime compares now with signedAt + duration (calendar months stay exact).
 */
function ordering(kind: LeftKind, op: Operator, r: Typed): Comparator {
  let left: (x: unknown, now: number) => number | undefined;
  let bounds: (x: unknown, now: number) => number;
  if (kind === 'elapsed') {
    const d = r.duration!;
    left = (_x, now) => now;
    bounds = (x) => addDuration(x as number, d);
  } else if (kind === 'claim') {
    left = (x, now) => {
      const v = coerce(x, r, now);
      return typeof v === 'number' ? v : undefined;
    };
    if (r.type === 'duration') {
      const d = r.duration!;
      bounds = (_x, now) => addDuration(now, d);
    } else {
      const k = r.key as number;
      bounds = () => k;
    }
  } else {
    left = (x) => x as number;
    const k = r.key as number;
    bounds = () => k;
  }
  const isDay = r.type === 'date';
  const end = r.end ?? 0;
  const span = isDay ? end - (r.key as number) : 0;
  switch (op) {
    case 'lt':
      return (x, now) => {
        const l = left(x, now);
        return l !== undefined && l < bounds(x, now);
      };
    case 'lteq':
      return isDay
        ? (x, now) => {
            const l = left(x, now);
            return l !== undefined && l < bounds(x, now) + span;
          }
        : (x, now) => {
            const l = left(x, now);
            return l !== undefined && l <= bounds(x, now);
          };
    case 'gt':
      return isDay
        ? (x, now) => {
            const l = left(x, now);
            return l !== undefined && l >= bounds(x, now) + span;
          }
        : (x, now) => {
            const l = left(x, now);
            return l !== undefined && l > bounds(x, now);
          };
    case 'gteq':
      return (x, now) => {
        const l = left(x, now);
        return l !== undefined && l >= bounds(x, now);
      };
    default:
      throw new Error(`not an ordering operator: ${op}`);
  }
}

function asList(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [x];
}

export function compileComparator(kind: LeftKind, op: Operator, right: Typed[]): Comparator {
  if (ORDERING.has(op)) return ordering(kind, op, right[0]!);
  const ms = right.map((r) => matcher(kind, r));
  const n = ms.length;
  const anyMatch = (l: unknown, now: number): boolean => {
    for (let i = 0; i < n; i++) if (ms[i]!(l, now)) return true;
    return false;
  };
  switch (op) {
    case 'eq':
    case 'isA': {
      const m = ms[0]!;
      if (kind === 'claim') return (x, now) => !Array.isArray(x) && m(x, now);
      return m;
    }
    case 'neq': {
      const m = ms[0]!;
      if (kind === 'claim') return (x, now) => !Array.isArray(x) && !m(x, now);
      return (x, now) => !m(x, now);
    }
    case 'isAnyOf':
      return (x, now) => {
        if (!Array.isArray(x)) return anyMatch(x, now);
        for (const l of x) if (anyMatch(l, now)) return true;
        return false;
      };
    case 'isNoneOf':
      return (x, now) => {
        if (!Array.isArray(x)) return !anyMatch(x, now);
        for (const l of x) if (anyMatch(l, now)) return false;
        return true;
      };
    case 'hasPart':
    case 'isAllOf':
      // Every right value is among the left values (a scalar left is a set of one).
      return (x, now) => {
        const ls = asList(x);
        for (let i = 0; i < n; i++) {
          let found = false;
          for (const l of ls) if (ms[i]!(l, now)) found = true;
          if (!found) return false;
        }
        return true;
      };
    case 'isPartOf':
      // Every left value is among the right values.
      return (x, now) => {
        const ls = asList(x);
        if (ls.length === 0) return false;
        for (const l of ls) if (!anyMatch(l, now)) return false;
        return true;
      };
    default:
      throw new Error(`unknown operator ${op as string}`);
  }
}
