import { PGlite, types } from '@electric-sql/pglite';
import { readExchange, type Exchange } from './backend-messages.js';
import { BEGIN, extendedQuery, simpleQuery } from './frontend-messages.js';
import type { Database, Queryable, QueryResult } from './db.js';
import { unnameIfStale, statementName } from './statements.js';
import { runTransaction } from './transaction.js';
import { SYNCED_START_PARAMS, SyncedNodeFS } from './pglite-fsync.js';

// Same value mapping as the pg adapter: int8 as number (sequence numbers and counts stay far below 2^53).
const parsers = { [types.INT8]: (v: string) => Number(v) };

/**
 * A parameter as text, its type left to the server, as node-postgres sends it: both adapters then
 * accept the same values for the same SQL.
 */
function encodeParam(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return arrayLiteral(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v);
    return `"${encodeParam(v)!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

/**
 * The embedded store. `dataDir` undefined → in memory. `template` is a dump from `dumpDataDir()`
 * of an already migrated database: opening from it skips initdb (about 0.8 s instead of 3.5 s). On a
 * data directory every commit is on disk before it is answered, unless `fsync` is false (pglite-fsync).
 *
 * Statements are sent as one protocol message (parse when new, bind, describe, execute, sync) and kept
 * parsed under a name, instead of PGlite's `query`, which sends six messages and parses and plans the
 * statement every time: a statement costs about half as much (see bench/README.md, negotiation).
 */
export async function openPglite(
  options: { dataDir?: string; template?: Blob; fsync?: boolean } = {},
): Promise<Database & { pg: PGlite }> {
  const dir = options.dataDir;
  const syncedFs = dir !== undefined && options.fsync !== false ? new SyncedNodeFS(dir) : undefined;
  const pg = await PGlite.create({
    ...(syncedFs ? { fs: syncedFs, startParams: SYNCED_START_PARAMS } : { dataDir: dir }),
    loadDataDir: options.template,
    parsers,
  });
  syncedFs?.started();
  // Named statements this connection holds (PGlite has one connection).
  const prepared = new Set<string>();
  // A transaction's BEGIN is sent with its first statement (one exchange fewer); a transaction that
  // runs no statement sends neither BEGIN nor COMMIT. PGlite runs one transaction at a time.
  let beginPending = false;
  /** Whether the transaction's BEGIN goes with this statement (it is still to be sent). */
  const takeBegin = (inTransaction: boolean): boolean => {
    if (!inTransaction || !beginPending) return false;
    beginPending = false;
    return true;
  };

  async function run<T>(
    sql: string,
    params: readonly unknown[],
    inTransaction: boolean,
  ): Promise<QueryResult<T>> {
    const name = statementName(sql);
    const parsing = name === undefined || !prepared.has(name);
    // Taken at once: a second call issued before this one's answer (statements in flight in a
    // transaction) is queued behind it and must not parse the name again.
    if (name !== undefined) prepared.add(name);
    const message = extendedQuery({
      begin: takeBegin(inTransaction),
      name,
      parse: parsing ? sql : undefined,
      values: params.map(encodeParam),
    });
    // PGlite's own query() is built on these two mutexes (underscored, but public in its types): the
    // query mutex orders this call against PGlite's; the transaction mutex is held by our `transaction`
    // below or, outside one, taken by the caller.
    const r = await exchange(message, !inTransaction).catch((e: unknown) => {
      if (name !== undefined && parsing) prepared.delete(name);
      throw e;
    });
    if (name !== undefined && parsing && !r.parsed) prepared.delete(name);
    if (r.error) {
      // Outside a transaction the statement can run again at once, unnamed.
      if (name !== undefined && unnameIfStale(r.error, sql) && !inTransaction) return run(sql, params, false);
      throw Object.assign(r.error, { query: sql });
    }
    // A SELECT's tag counts no written rows.
    return { rows: r.rows as T[], rowCount: Math.max(r.affected, r.rows.length) };
  }

  /** Sends one message and reads the answer with our reader, not PGlite's parser (see backend-messages). */
  async function exchange(message: Uint8Array, syncToFs: boolean): Promise<Exchange> {
    const chunks: Uint8Array[] = [];
    await pg._runExclusiveQuery(() =>
      // The chunks are views of PGlite's memory, valid only during the call: copied.
      pg.execProtocolRawStream(message, { syncToFs, onRawData: (d) => void chunks.push(d.slice()) }),
    );
    return readExchange(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), pg.parsers);
  }

  async function simple(sql: string, inTransaction = false): Promise<string | undefined> {
    const query = simpleQuery(sql);
    const r = await exchange(takeBegin(inTransaction) ? Buffer.concat([BEGIN, query]) : query, false);
    if (r.error) throw Object.assign(r.error, { query: sql });
    return r.tag;
  }

  /**
   * Runs `fn` alone on the connection; its answer is given once what it committed is on disk. The wait
   * is outside the mutex, so the commits of one event-loop turn share their WAL sync (pglite-fsync).
   */
  const durably = !syncedFs
    ? <T>(fn: () => Promise<T>) => pg._runExclusiveTransaction(fn)
    : async <T>(fn: () => Promise<T>): Promise<T> => {
        let mark: number | undefined;
        const r = await pg._runExclusiveTransaction(async () => {
          const before = syncedFs.mark();
          const value = await fn();
          // Only a statement that committed something asked for a WAL sync; a read waits for none.
          if (syncedFs.mark() !== before) mark = syncedFs.mark();
          return value;
        });
        if (mark !== undefined) await syncedFs.settled(mark);
        return r;
      };

  const inTx: Queryable = {
    query: (sql, params) => run(sql, params ?? [], true),
    exec: async (sql) => void (await simple(sql, true)),
  };
  return {
    kind: 'pglite',
    pg,
    query: (sql, params) => durably(() => run(sql, params ?? [], false)),
    exec: async (sql) => void (await pg.exec(sql)),
    // PGlite has one connection: top-level queries wait while a transaction runs. So inside `fn`
    // use only `tx`; calling the outer database there would wait forever.
    transaction: (fn) =>
      durably(() => {
        beginPending = true;
        return runTransaction(inTx, fn, {
          // Queued behind the statements `fn` left in flight (PGlite's query mutex keeps the order).
          commit: () => {
            if (beginPending) {
              beginPending = false; // nothing ran: nothing to commit
              return undefined;
            }
            return simple('COMMIT').then(async (tag) => {
              if (tag !== 'ROLLBACK') await pg.syncToFs();
              return tag;
            });
          },
          rollback: async () => {
            if (beginPending) beginPending = false;
            else await simple('ROLLBACK').catch(() => undefined);
          },
        });
      }),
    close: () => pg.close(),
  };
}
