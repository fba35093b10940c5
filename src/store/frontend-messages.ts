/**
 * Writes the messages the embedded store sends (PostgreSQL protocol 3). `extendedQuery` writes one
 * extended-protocol exchange as a single buffer: an optional simple-query BEGIN, Parse when the
 * statement is new, Bind with every parameter as text, Describe (portal), Execute and Sync. PGlite's
 * serializer grows its buffer in small steps and copies every parameter through it: for a statement
 * with one large JSON parameter (an audit batch) that was a few percent of the store's CPU. The
 * lengths are known up front here, so the message is written once.
 */

// Always the same 22 bytes: Describe (length 6, portal '') + Execute (length 9, portal '', no row
// limit) + Sync (length 4).
const TAIL = Buffer.from('D\0\0\0\x06P\0E\0\0\0\x09\0\0\0\0\0S\0\0\0\x04', 'latin1');

/** A simple-protocol Query message: tag, length, the text and its terminating zero. */
export function simpleQuery(sql: string): Buffer {
  const n = Buffer.byteLength(sql);
  const out = Buffer.allocUnsafe(1 + 4 + n + 1);
  out[0] = 0x51; // 'Q'
  out.writeInt32BE(4 + n + 1, 1);
  out.write(sql, 5);
  out[5 + n] = 0;
  return out;
}

export const BEGIN = simpleQuery('BEGIN');

export interface ExtendedQuery {
  /** Send BEGIN first (the transaction's first statement). */
  begin: boolean;
  /** The statement's name ('' or undefined: the unnamed statement). */
  name: string | undefined;
  /** The SQL text, when the statement must be parsed first. */
  parse: string | undefined;
  /** Parameters as text; null is SQL NULL. */
  values: readonly (string | null)[];
}

export function extendedQuery(q: ExtendedQuery): Buffer {
  if (q.values.length > 65_535) {
    throw new RangeError(`a statement takes at most 65,535 parameters, not ${q.values.length}`);
  }
  const name = q.name ?? '';
  const nameBytes = Buffer.byteLength(name);
  const parseBytes = q.parse === undefined ? 0 : Buffer.byteLength(q.parse);
  const valueBytes = q.values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  // Parse: tag, length, name\0, text\0, int16 parameter types (none).
  const parseLength = q.parse === undefined ? 0 : 1 + 4 + nameBytes + 1 + parseBytes + 1 + 2;
  // Bind: tag, length, portal '' \0, name\0, int16 format count and one int16 format per value (0:
  // text, as PGlite's serializer writes it), int16 value count, each value's int32 length and bytes,
  // int16 result formats (0: all text).
  let bindLength = 1 + 4 + 1 + nameBytes + 1 + 2 + 2 * valueBytes.length + 2 + 2;
  for (const n of valueBytes) bindLength += 4 + Math.max(n, 0);
  const out = Buffer.allocUnsafe((q.begin ? BEGIN.length : 0) + parseLength + bindLength + TAIL.length);
  let at = 0;
  if (q.begin) at += BEGIN.copy(out, at);
  if (q.parse !== undefined) {
    out[at++] = 0x50; // 'P'
    at = out.writeInt32BE(parseLength - 1, at);
    at += out.write(name, at);
    out[at++] = 0;
    at += out.write(q.parse, at);
    out[at++] = 0;
    at = out.writeInt16BE(0, at);
  }
  out[at++] = 0x42; // 'B'
  at = out.writeInt32BE(bindLength - 1, at);
  out[at++] = 0; // portal ''
  at += out.write(name, at);
  out[at++] = 0;
  at = out.writeUInt16BE(q.values.length, at);
  out.fill(0, at, at + 2 * q.values.length);
  at += 2 * q.values.length;
  at = out.writeUInt16BE(q.values.length, at);
  q.values.forEach((v, i) => {
    at = out.writeInt32BE(valueBytes[i]!, at);
    if (v !== null) at += out.write(v, at);
  });
  at = out.writeInt16BE(0, at);
  TAIL.copy(out, at);
  return out;
}
