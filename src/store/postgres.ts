import pg from 'pg';
import type { Database, Queryable, QueryResult } from './db.js';
import { unnameIfStale, statementName } from './statements.js';
import { quiet, runTransaction } from './transaction.js';

const typeParsers = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v); // int8
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any);
  },
};

function wrap(client: pg.Pool | pg.PoolClient, prepare: boolean): Queryable {
  const run = (sql: string, params: readonly unknown[] | undefined) =>
    client.query({
      // A named statement is parsed and planned once per connection (`statements.ts`).
      name: prepare ? statementName(sql) : undefined,
      text: sql,
      values: params as unknown[] | undefined,
      types: typeParsers,
    });
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      let r;
      try {
        r = await run(sql, params);
      } catch (e) {
        // Outside a transaction the statement can run again at once, unnamed.
        if (!(client instanceof pg.Pool) || !unnameIfStale(e, sql)) throw e;
        r = await run(sql, params);
      }
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await client.query(sql); // no parameters: the simple protocol runs several statements
    },
  };
}

/**
 * Holds a connection's writes back until the work of the current tick is done, so that the statements
 * a transaction issues together (BEGIN with the first, writes left in flight, the COMMIT) leave in one
 * write: one system call here and one wake-up of the server's process, instead of one per statement.
 * pg corks each statement's messages itself and uncorks after them; corking nests, so its uncork leaves
 * ours in place until the tick ends.
 */
function coalesceWrites(client: pg.PoolClient): () => void {
  const stream = client.connection.stream;
  let held = false;
  return () => {
    if (held) return;
    held = true;
    stream.cork();
    process.nextTick(() => {
      held = false;
      stream.uncork();
    });
  };
}

/**
 * A PostgreSQL server through a pool. `schema` sets the search_path (tests use one schema each).
 * `prepare: false` sends every statement unnamed, for a connection pooler that cannot keep named
 * statements (PgBouncer before 1.21 in transaction mode).
 */
export async function openPostgres(
  url: string,
  options: { schema?: string; max?: number; prepare?: boolean } = {},
): Promise<Database> {
  const prepare = options.prepare ?? true;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    // A statement is written without waiting for the answer to the one before it, so a transaction's
    // statements issued together (BEGIN with the first, writes whose results are awaited together)
    // share one round trip. Answers still come back in order, each statement with its own Sync.
    pipeline: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const client = await pool.connect(); // fail fast with a clear error when the server is unreachable
  client.release();
  const base = wrap(pool, prepare);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction(fn) {
      const c = await pool.connect();
      const hold = coalesceWrites(c);
      const inner = wrap(c, prepare);
      let broken: Error | undefined;
      try {
        const tx: Queryable = {
          query: (sql, params) => (hold(), inner.query(sql, params)),
          exec: (sql) => (hold(), inner.exec(sql)),
        };
        return await runTransaction(tx, fn, {
          // Not awaited: it goes out with the transaction's first statement, and the COMMIT with the
          // statements `fn` left in flight (one round trip and one write for them all).
          begin: (hold(), quiet(c.query('BEGIN'))),
          commit: () => (hold(), c.query('COMMIT').then((r) => r.command)),
          // A connection that cannot even roll back is not given back to the pool.
          rollback: () =>
            c.query('ROLLBACK').then(
              () => undefined,
              (err: Error) => void (broken = err),
            ),
        });
      } finally {
        c.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
