import { PGlite, types } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './db.js';

// Same value mapping as the pg adapter: int8 as number (sequence numbers and counts stay far below 2^53).
const parsers = { [types.INT8]: (v: string) => Number(v) };

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[] | undefined);
      // PGlite reports 0 affected rows for a SELECT.
      return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  };
}

/**
 * The embedded store. `dataDir` undefined → in memory. `template` is a dump from `dumpDataDir()`
 * of an already migrated database: opening from it skips initdb (about 0.8 s instead of 3.5 s).
 */
export async function openPglite(
  options: { dataDir?: string; template?: Blob } = {},
): Promise<Database & { pg: PGlite }> {
  const pg = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.template,
    parsers,
  });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    pg,
    query: base.query,
    exec: base.exec,
    // PGlite has one connection: top-level queries wait while a transaction runs. So inside `fn`
    // use only `tx`; calling the outer database there would wait forever.
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
  };
}
