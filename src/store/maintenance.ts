/**
 * Keeps the store from growing without bound while the connector runs:
 * - delivered outbox messages are deleted once they are older than `keepDoneMs` (failed ones stay
 *   for the operator to see; pending ones are never touched);
 * - on PGlite, which runs PostgreSQL without its autovacuum, the tables updated all the time are
 *   vacuumed, so that the row versions and index entries their updates leave behind are reused
 *   instead of piling up. On a PostgreSQL server autovacuum does that part.
 */
import type { Database, Queryable } from './db.js';

/** Tables whose rows are updated or deleted on every negotiation, transfer, data request or crawl. */
export const CHURN_TABLES = [
  'outbox',
  'negotiations',
  'transfers',
  'agreement_usage',
  'audit_head',
  'leases',
  'identity_jti',
  'federation_participants',
  'federation_datasets',
  'federation_documents',
  'federation_facet_counts',
] as const;

export interface MaintenanceResult {
  /** Delivered outbox messages deleted. */
  outboxDeleted: number;
  /** Tables vacuumed (none on PostgreSQL). */
  vacuumed: readonly string[];
}

/**
 * Deletes delivered outbox messages older than `keepDoneMs`, at most `limit` per statement and until
 * none is left (the oldest first, along the primary key: the delivered rows sit at its low end).
 */
export async function pruneOutbox(db: Queryable, keepDoneMs: number, limit = 10_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const r = await db.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE status = 'done' AND done_at < now() - $1 * interval '1 millisecond'
         ORDER BY id LIMIT $2)`,
      [keepDoneMs, limit],
    );
    deleted += r.rowCount;
    if (r.rowCount < limit) return deleted;
  }
}

/** One maintenance pass: prune the outbox, then (PGlite) vacuum the churn tables. */
export async function maintainStore(
  db: Database,
  options: { keepDoneMs: number },
): Promise<MaintenanceResult> {
  const outboxDeleted = await pruneOutbox(db, options.keepDoneMs);
  if (db.kind !== 'pglite') return { outboxDeleted, vacuumed: [] };
  // VACUUM cannot run in a transaction; one statement for all the tables. Small tables take a few ms.
  await db.exec(`VACUUM ${CHURN_TABLES.join(', ')}`);
  return { outboxDeleted, vacuumed: CHURN_TABLES };
}
