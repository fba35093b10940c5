/**
 * RFC 8785 (JSON Canonicalization Scheme) for JSON data: object members sorted by UTF-16 code
 * units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (which is
 * what RFC 8785 specifies). The same output as canonicalize@2 for every JSON value (the tests
 * compare the two); written out here because verification runs it a million times and
 * canonicalize's reduce-and-concatenate is about three times slower.
 */

/** Canonical JSON text; throws TypeError on values JSON cannot hold (NaN, Infinity, undefined, functions, bigint). */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (i > 0) out += ',';
          // As JSON.stringify: holes and non-JSON members of arrays become null.
          out +=
            item === undefined || typeof item === 'function' || typeof item === 'symbol'
              ? 'null'
              : canonicalJson(item);
        }
        return out + ']';
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return canonicalJson(toJSON.call(value));
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        if (!first) out += ',';
        out += JSON.stringify(key) + ':' + canonicalJson(member);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
  }
}
