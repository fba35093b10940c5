/**
 * The database as the rest of Pontis sees it: PostgreSQL SQL with `$1` parameters, on PGlite
 * (embedded) or a PostgreSQL server. Domain code receives these interfaces, never a driver.
 *
 * Value mapping is the same on both: int8/bigint → number, numeric → string, timestamptz → Date,
 * json/jsonb → parsed value, bytea → Uint8Array.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations, test set-up). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction (READ COMMITTED); commits when it resolves, rolls back when it throws.
   * Statements `fn` issued and did not wait for go out with the COMMIT and are waited for before it
   * resolves; if one of them failed, the transaction rolls back and this rejects with its error. A
   * statement issued on `tx` after `fn` resolved is refused (it would run outside the transaction).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
