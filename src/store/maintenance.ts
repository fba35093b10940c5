/**
 * Keeps the store from growing without bound while the connector runs: on PGlite, which runs
 * PostgreSQL without its autovacuum, the tables updated all the time are vacuumed, so that the row
 * versions and index entries their updates and deletes leave behind are reused instead of piling up.
 * On a PostgreSQL server autovacuum does that. (Delivered outbox messages are deleted as they are
 * delivered.)
 */
import type { Database } from './db.js';

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
  /** Tables vacuumed (none on PostgreSQL). */
  vacuumed: readonly string[];
}

/** One maintenance pass: (PGlite) vacuum the churn tables. */
export async function maintainStore(db: Database): Promise<MaintenanceResult> {
  if (db.kind !== 'pglite') return { vacuumed: [] };
  // VACUUM cannot run in a transaction; one statement for all the tables. Small tables take a few ms.
  await db.exec(`VACUUM ${CHURN_TABLES.join(', ')}`);
  return { vacuumed: CHURN_TABLES };
}
