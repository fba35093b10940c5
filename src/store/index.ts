import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export type { Database, Queryable, QueryResult } from './db.js';
export { migrate, bundledMigrations } from './migrate.js';
export {
  Outbox,
  retryDelayMs,
  type OutboxMessage,
  type TopicHandler,
  type ClaimedMessage,
} from './outbox.js';
export { claimLease, renewLease, releaseLease } from './leases.js';
export { CHURN_TABLES, maintainStore, type MaintenanceResult } from './maintenance.js';
export { openPglite } from './pglite.js';
export { openPostgres } from './postgres.js';

/** Opens the configured store (PostgreSQL when a URL is given, else PGlite under dataDir) and migrates it. */
export async function openDatabase(options: {
  databaseUrl?: string;
  preparedStatements?: boolean;
  dataDir: string;
  /** The embedded store's fsync on commit (default true); see openPglite. */
  fsync?: boolean;
  inMemory?: boolean;
}): Promise<Database> {
  let db: Database;
  if (options.databaseUrl) {
    db = await openPostgres(options.databaseUrl, { prepare: options.preparedStatements }).catch(
      (e: unknown) => {
        throw new Error(
          `cannot connect to PostgreSQL at ${redact(options.databaseUrl!)}: ${(e as Error).message}`,
        );
      },
    );
  } else if (options.inMemory) {
    db = await openPglite();
  } else {
    const dir = join(options.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    db = await openPglite({ dataDir: dir, fsync: options.fsync });
  }
  await migrate(db);
  return db;
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
