import { types } from '@electric-sql/pglite';

/**
 * Reads the backend messages of one extended-protocol exchange (PostgreSQL protocol 3) straight into
 * rows: field names and types from RowDescription, values parsed as they are read from DataRow. It
 * replaces PGlite's general parser (one object per message, a copy of every chunk, then a second pass
 * over the messages), which cost about as much as the statement itself for a row with a few JSON
 * columns. Only what the store sends for is handled; other messages (notices, ParseComplete's kin,
 * ReadyForQuery) are skipped.
 */
export interface Exchange {
  rows: Record<string, unknown>[];
  /** Rows written by INSERT, UPDATE, DELETE, MERGE or COPY (from the command tag). */
  affected: number;
  /** The last command tag ("COMMIT", "ROLLBACK", "SELECT 1", ...). */
  tag: string | undefined;
  /** A ParseComplete arrived: the named statement now exists on the connection. */
  parsed: boolean;
  error: DatabaseError | undefined;
}

/** An ErrorResponse, with its fields under the names node-postgres uses. */
export class DatabaseError extends Error {
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const ERROR_FIELDS: Record<string, keyof DatabaseError> = {
  S: 'severity',
  C: 'code',
  D: 'detail',
  H: 'hint',
  P: 'position',
  s: 'schema',
  t: 'table',
  c: 'column',
  n: 'constraint',
};

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

type Parsers = Record<number | string, (value: string, typeId?: number) => unknown>;

export function readExchange(data: Uint8Array, parsers: Parsers): Exchange {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const out: Exchange = { rows: [], affected: 0, tag: undefined, parsed: false, error: undefined };
  let names: string[] = [];
  let typeIds: number[] = [];
  let at = 0;
  const cstring = (): string => {
    const end = buf.indexOf(0, at);
    const s = buf.toString('utf8', at, end);
    at = end + 1;
    return s;
  };
  while (at + 5 <= buf.length) {
    const kind = buf[at]!;
    const end = at + 1 + buf.readInt32BE(at + 1);
    at += 5;
    switch (kind) {
      case 0x31: // '1' ParseComplete
        out.parsed = true;
        break;
      case 0x54: {
        // 'T' RowDescription: name, table oid, column, type oid, size, modifier, format
        const n = buf.readInt16BE(at);
        at += 2;
        names = new Array<string>(n);
        typeIds = new Array<number>(n);
        for (let i = 0; i < n; i++) {
          names[i] = cstring();
          typeIds[i] = buf.readInt32BE(at + 6);
          at += 18;
        }
        break;
      }
      case 0x44: {
        // 'D' DataRow
        const n = buf.readInt16BE(at);
        at += 2;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const len = buf.readInt32BE(at);
          at += 4;
          if (len < 0) {
            row[names[i]!] = null;
            continue;
          }
          row[names[i]!] = types.parseType(buf.toString('utf8', at, at + len), typeIds[i]!, parsers);
          at += len;
        }
        out.rows.push(row);
        break;
      }
      case 0x43: {
        // 'C' CommandComplete: "INSERT 0 5", "UPDATE 3", "SELECT 2", "COMMIT"
        const tag = cstring();
        out.tag = tag;
        const words = tag.split(' ');
        if (WRITE_COMMANDS.has(words[0]!)) out.affected += Number(words[words.length - 1]);
        break;
      }
      case 0x45: {
        // 'E' ErrorResponse: (field code, text)* 0
        const fields: Record<string, string> = {};
        while (buf[at] !== 0 && at < end) {
          const code = String.fromCharCode(buf[at]!);
          at += 1;
          fields[code] = cstring();
        }
        const error = new DatabaseError(fields.M ?? 'the database reported an error without a message');
        for (const [code, key] of Object.entries(ERROR_FIELDS)) {
          if (fields[code] !== undefined) (error as unknown as Record<string, string>)[key] = fields[code];
        }
        out.error ??= error;
        break;
      }
    }
    at = end;
  }
  return out;
}
